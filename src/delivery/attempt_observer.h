// AttemptObserver: told of every delivery attempt's outcome (for logs and
// metrics), by the Dispatcher, on the HttpClient's thread that brought the
// result, before the attempt is recorded. Implementations must be quick, must
// not throw, and must not call back into the dispatcher.
#pragma once

#include "delivery/http_client.h"
#include "delivery/retry_policy.h"
#include "model/event.h"

namespace promptjang {

struct AttemptReport {
  const Event& event;  // as claimed or handed over (its payload already sent)
  int number;          // the attempt's number in the event's log
  const OutboundResult& result;
  const Decision& decision;  // the status the attempt leads to
};

class AttemptObserver {
 public:
  virtual ~AttemptObserver() = default;
  virtual void on_attempt(const AttemptReport& report) noexcept = 0;
};

}  // namespace promptjang
