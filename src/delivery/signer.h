// Signer: the headers of one delivery attempt (SPEC §5), both signatures over the
// exact stored bytes of the payload.
//
// X-PromptJang-Signature is the hex HMAC-SHA256 with the current secret;
// webhook-signature carries "v1,<base64>" for the current secret and, for 24
// hours after a rotation, a second "v1,<base64>" for the previous one.
// Pure; thread-safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "delivery/http_client.h"
#include "model/endpoint.h"
#include "model/event.h"

namespace promptjang {

// `attempt_number` is the attempt's number in the event's log; `now` is this
// attempt's time (webhook-timestamp). `user_agent` is "PromptJang/<version>".
HeaderList delivery_headers(const Event& event, const Endpoint& endpoint, int attempt_number,
                            TimePoint now, const std::string& user_agent);

}  // namespace promptjang
