// Webhook signatures (SPEC §5): the two headers a delivery carries, and their
// verification for the `promptjang listen` receiver and the tests.
//
//  - X-PromptJang-Signature: lowercase hex HMAC-SHA256, key = the secret string's
//    bytes as written ("whsec_..." included), message = the raw body.
//  - webhook-signature (Standard Webhooks): "v1," + base64 HMAC-SHA256, key =
//    base64-decoded part after "whsec_", message = "{msg_id}.{timestamp}.{body}".
//
// A header may hold several space-separated signatures (during a secret
// rotation, one per secret); verification accepts when any one matches, and
// compares in constant time. Checking the timestamp's freshness is the caller's job.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace promptjang {

// The X-PromptJang-Signature value for `body`.
std::string sign_hex(std::string_view secret, std::string_view body);

// The webhook-signature value ("v1,<base64>"). InvalidArgument when the secret
// (with or without its "whsec_" prefix) is not non-empty base64.
Result<std::string> sign_standard(std::string_view secret, std::string_view msg_id,
                                  int64_t timestamp, std::string_view body);

// True when one of the space-separated values of `header_value` is sign_hex(secret, body).
bool verify_hex(std::string_view secret, std::string_view body, std::string_view header_value);

// True when one of the space-separated "v1,..." values of `header_value` is the
// Standard Webhooks signature. False, too, for a secret sign_standard rejects.
bool verify_standard(std::string_view secret, std::string_view msg_id, int64_t timestamp,
                     std::string_view body, std::string_view header_value);

}  // namespace promptjang
