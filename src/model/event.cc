// EventStatus names; see event.h.
#include "model/event.h"

namespace promptjang {

std::string_view event_status_name(EventStatus s) {
  switch (s) {
    case EventStatus::kQueued:
      return "QUEUED";
    case EventStatus::kRetrying:
      return "RETRYING";
    case EventStatus::kDelivered:
      return "DELIVERED";
    case EventStatus::kFailed:
      return "FAILED";
    case EventStatus::kExpired:
      return "EXPIRED";
  }
  return "QUEUED";
}

std::optional<EventStatus> parse_event_status(std::string_view s) {
  for (auto st : {EventStatus::kQueued, EventStatus::kRetrying, EventStatus::kDelivered,
                  EventStatus::kFailed, EventStatus::kExpired})
    if (event_status_name(st) == s) return st;
  return std::nullopt;
}

}  // namespace promptjang
