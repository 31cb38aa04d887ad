// Delivery headers; see signer.h.
#include "delivery/signer.h"

#include "crypto/signature.h"

namespace promptjang {
namespace {

// The event type comes from the customer's JSON: no control character (CR, LF)
// may reach a header line.
std::string header_safe(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v)
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) out.push_back(c);
  return out;
}

}  // namespace

HeaderList delivery_headers(const Event& event, const Endpoint& endpoint, int attempt_number,
                            TimePoint now, const std::string& user_agent) {
  int64_t ts = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  std::string standard;
  if (auto s = sign_standard(endpoint.secret, event.id, ts, event.payload)) standard = *s;
  if (endpoint.previous_secret && endpoint.previous_secret_expires_at &&
      now < *endpoint.previous_secret_expires_at) {
    if (auto old = sign_standard(*endpoint.previous_secret, event.id, ts, event.payload))
      standard += (standard.empty() ? "" : " ") + *old;
  }
  HeaderList h;
  h.reserve(10);
  h.emplace_back("Content-Type", "application/json");
  h.emplace_back("User-Agent", user_agent);
  h.emplace_back("X-PromptJang-Signature", sign_hex(endpoint.secret, event.payload));
  h.emplace_back("X-PromptJang-Event-Id", event.id);
  if (event.event_type) h.emplace_back("X-PromptJang-Event", header_safe(*event.event_type));
  h.emplace_back("X-PromptJang-Attempt", std::to_string(attempt_number));
  h.emplace_back("webhook-id", event.id);
  h.emplace_back("webhook-timestamp", std::to_string(ts));
  h.emplace_back("webhook-signature", standard);
  return h;
}

}  // namespace promptjang
