// Resource JSON; see serialize.h.
#include "api/serialize.h"

#include "api/json_io.h"
#include "core/time_format.h"

namespace promptjang {

boost::json::value time_json(const std::optional<TimePoint>& t) {
  if (!t) return nullptr;
  return boost::json::string(format_rfc3339(*t));
}

boost::json::object endpoint_json(const Endpoint& e, bool with_secret) {
  boost::json::object o;
  o["id"] = e.id;
  o["url"] = e.url;
  o["description"] = e.description;
  o["enabled"] = e.enabled;
  o["created_at"] = time_json(e.created_at);
  o["updated_at"] = time_json(e.updated_at);
  if (with_secret) o["secret"] = e.secret;
  return o;
}

boost::json::object api_key_json(const ApiKey& k) {
  boost::json::object o;
  o["id"] = k.id;
  o["name"] = k.name;
  o["prefix"] = k.prefix;
  o["created_at"] = time_json(k.created_at);
  o["last_used_at"] = time_json(k.last_used_at);
  o["revoked_at"] = time_json(k.revoked_at);
  return o;
}

namespace {

boost::json::object attempt_json(const Attempt& a) {
  boost::json::object o;
  o["attempt"] = a.number;
  o["started_at"] = time_json(a.started_at);
  o["duration_ms"] = a.duration_ms;
  o["status_code"] = a.status_code ? boost::json::value(*a.status_code) : nullptr;
  o["error"] = a.error ? boost::json::value(*a.error) : nullptr;
  o["response_body"] = a.response_body;
  o["response_truncated"] = a.response_truncated;
  return o;
}

}  // namespace

std::string event_json(const Event& e, bool with_attempts) {
  boost::json::object o;
  o["id"] = e.id;
  o["endpoint_id"] = e.endpoint_id;
  o["event"] = e.event_type ? boost::json::value(*e.event_type) : nullptr;
  o["status"] = event_status_name(e.status);
  o["created_at"] = time_json(e.created_at);
  o["next_attempt_at"] = time_json(e.next_attempt_at);
  o["attempt_count"] = e.attempt_count;
  o["request_id"] = e.request_id ? boost::json::value(*e.request_id) : nullptr;
  if (with_attempts) {
    boost::json::array attempts;
    for (const auto& a : e.attempts) attempts.push_back(attempt_json(a));
    o["attempts"] = std::move(attempts);
  }
  return splice_raw(boost::json::serialize(o), "payload", e.payload);
}

std::string list_envelope(const std::vector<std::string>& items,
                          const std::optional<std::string>& next_cursor) {
  std::string out = "{\"data\":[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += items[i];
  }
  out += "],\"next_cursor\":";
  out += next_cursor ? boost::json::serialize(boost::json::string(*next_cursor)) : "null";
  out += '}';
  return out;
}

}  // namespace promptjang
