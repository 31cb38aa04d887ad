// Event, its status and its delivery attempts (SPEC §5–§7).
//
// Invariants: status moves only along SPEC §6; attempts are append-only and
// numbered 1, 2, 3, ... in the order they started (a replay goes on counting).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"

namespace promptjang {

enum class EventStatus { kQueued, kRetrying, kDelivered, kFailed, kExpired };

std::string_view event_status_name(EventStatus s);  // "QUEUED", ...
std::optional<EventStatus> parse_event_status(std::string_view s);

struct Attempt {
  std::string event_id;
  int number = 0;  // 1-based, over the whole life of the event
  TimePoint started_at;
  int64_t duration_ms = 0;
  std::optional<int> status_code;    // none when no HTTP answer came
  std::optional<std::string> error;  // timeout | connection | dns | tls | refused_by_policy
  std::string response_headers;      // JSON object of the response's headers
  std::string response_body;         // at most 64 KiB
  bool response_truncated = false;
};

struct Event {
  std::string id;  // evt_...
  std::string account_id;
  std::string endpoint_id;
  std::optional<std::string> event_type;  // the payload's "event" field, when a string
  EventStatus status = EventStatus::kQueued;
  std::string payload;  // the body as received, byte for byte
  TimePoint created_at;
  std::optional<TimePoint> next_attempt_at;
  int attempt_count = 0;  // attempts so far (the next attempt's number is this + 1)
  // attempt_count when the current attempt cycle began (0, or the count at the
  // last replay): the next attempt is number attempt_count + 1 in the log and
  // number attempt_count + 1 - cycle_base in its cycle (the retry schedule's index).
  int cycle_base = 0;
  // While set and in the future, no poller claims the event: a dispatcher holds it.
  std::optional<TimePoint> lease_until;
  // The node holding the lease (written by inserts and claims; not read back).
  std::optional<std::string> lease_owner;
  std::optional<std::string> idempotency_key;
  // The X-Request-Id of the ingest request that stored it (absent for events
  // stored before schema 8): it joins the request's log line, the attempts'
  // lines and the customer's own logs.
  std::optional<std::string> request_id;
  std::vector<Attempt> attempts;  // filled only by reads that ask for them
};

}  // namespace promptjang
