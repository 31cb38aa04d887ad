// The attempt -> status state machine; see retry_policy.h.
#include "delivery/retry_policy.h"

namespace promptjang {

RetrySchedule default_retry_schedule() {
  using std::chrono::seconds;
  return {seconds(60), seconds(120), seconds(240), seconds(480), seconds(960)};
}

Decision decide(const RetrySchedule& schedule, int attempt_in_cycle, const Outcome& outcome,
                TimePoint ended_at) {
  Decision d;
  if (is_success(outcome)) {
    d.status = EventStatus::kDelivered;
    return d;
  }
  if (outcome.status_code == 410) {
    d.status = EventStatus::kFailed;
    d.disable_endpoint = true;
    return d;
  }
  if (outcome.error == "refused_by_policy") {
    d.status = EventStatus::kFailed;
    return d;
  }
  if (attempt_in_cycle >= 1 && static_cast<size_t>(attempt_in_cycle) <= schedule.size()) {
    d.status = EventStatus::kRetrying;
    d.next_attempt_at =
        ended_at + std::chrono::duration_cast<Micros>(schedule[attempt_in_cycle - 1]);
    return d;
  }
  d.status = EventStatus::kExpired;
  return d;
}

}  // namespace promptjang
