// Webhook signatures; see signature.h.
#include "crypto/signature.h"

#include "crypto/base64.h"
#include "crypto/hmac.h"
#include "crypto/sha256.h"
#include "crypto/tokens.h"

namespace promptjang {
namespace {

constexpr std::string_view kVersionPrefix = "v1,";

// Calls f(token) for each non-empty space-separated token; stops at the first true.
template <typename F>
bool any_token(std::string_view header_value, F f) {
  while (!header_value.empty()) {
    const size_t end = header_value.find(' ');
    const std::string_view token = header_value.substr(0, end);
    if (!token.empty() && f(token)) return true;
    if (end == std::string_view::npos) break;
    header_value.remove_prefix(end + 1);
  }
  return false;
}

}  // namespace

std::string sign_hex(std::string_view secret, std::string_view body) {
  return to_hex(hmac_sha256(secret, body));
}

Result<std::string> sign_standard(std::string_view secret, std::string_view msg_id,
                                  int64_t timestamp, std::string_view body) {
  if (secret.starts_with(kEndpointSecretPrefix)) secret.remove_prefix(kEndpointSecretPrefix.size());
  auto key = base64_decode(secret);
  if (!key.is_ok()) return invalid_argument("endpoint secret is not valid base64");
  if (key->empty()) return invalid_argument("endpoint secret is empty");

  std::string message;
  const std::string ts = std::to_string(timestamp);
  message.reserve(msg_id.size() + ts.size() + body.size() + 2);
  message.append(msg_id).append(".").append(ts).append(".").append(body);
  const auto mac = hmac_sha256(*key, message);
  return std::string(kVersionPrefix) +
         base64_encode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

bool verify_hex(std::string_view secret, std::string_view body, std::string_view header_value) {
  const std::string expected = sign_hex(secret, body);
  return any_token(header_value,
                   [&](std::string_view token) { return constant_time_equal(token, expected); });
}

bool verify_standard(std::string_view secret, std::string_view msg_id, int64_t timestamp,
                     std::string_view body, std::string_view header_value) {
  const auto expected = sign_standard(secret, msg_id, timestamp, body);
  if (!expected.is_ok()) return false;
  return any_token(header_value, [&](std::string_view token) {
    return token.starts_with(kVersionPrefix) && constant_time_equal(token, *expected);
  });
}

}  // namespace promptjang
