// RetryPolicy: what an attempt's outcome does to its event (SPEC §5, §6). A pure
// function of the schedule, the attempt's place in its cycle and its outcome, so
// the whole state machine is unit-tested without a clock or a network.
//
//   2xx                      -> DELIVERED
//   410 Gone                 -> FAILED, and the endpoint is disabled
//   refused_by_policy (SSRF) -> FAILED
//   anything else            -> RETRYING after schedule[k-1] (the k-th failure
//                               of the cycle), or EXPIRED when the schedule is
//                               used up (N entries = N retries = N+1 attempts)
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "model/event.h"

namespace promptjang {

using RetrySchedule = std::vector<std::chrono::milliseconds>;

// The default schedule of SPEC §5: 60, 120, 240, 480, 960 seconds.
RetrySchedule default_retry_schedule();

struct Outcome {
  std::optional<int> status_code;    // none when no HTTP answer came
  std::optional<std::string> error;  // timeout | connection | dns | tls | refused_by_policy
};

struct Decision {
  EventStatus status = EventStatus::kQueued;
  std::optional<TimePoint> next_attempt_at;  // set when status is RETRYING
  bool disable_endpoint = false;             // 410 Gone
};

// `attempt_in_cycle` is 1 for the first attempt after ingest or replay, 2 for
// the first retry, ...; `ended_at` is when the attempt ended (retries count from
// the end of the failed attempt).
Decision decide(const RetrySchedule& schedule, int attempt_in_cycle, const Outcome& outcome,
                TimePoint ended_at);

inline bool is_success(const Outcome& o) {
  return o.status_code && *o.status_code >= 200 && *o.status_code < 300;
}

}  // namespace promptjang
