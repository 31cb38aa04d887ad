// Billing: calendar months (UTC) and the usage report of an account (SPEC §1).
//
// Usage is counted per account per UTC calendar month, named "YYYY-MM". Past
// the plan's included events, overage is billed in units of kOverageUnitEvents
// (100,000), a started unit counting in full:
//   overage_units = ceil(max(0, events - included) / 100,000)
//   cost_cents    = price_cents + overage_units * overage_cents_per_unit
// Everything here is a pure function except account_usage, which reads the
// store it is given. Thread safety: all functions may be called from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "model/account.h"
#include "model/plan.h"
#include "store/store.h"

namespace promptjang {

// The UTC calendar month of `t`, as "YYYY-MM".
std::string month_of(TimePoint t);

// [start, end) of the UTC month "YYYY-MM" (exactly 4 digits, '-', 2 digits,
// month 01..12); InvalidArgument for anything else.
Result<std::pair<TimePoint, TimePoint>> month_bounds(std::string_view month);

struct UsageReport {
  std::string plan;
  std::string period;  // YYYY-MM
  TimePoint period_start, period_end;
  int64_t events = 0;
  int64_t included = 0;
  int64_t overage_units = 0;
  int64_t cost_cents = 0;
  int64_t price_cents = 0;
  int64_t overage_cents_per_unit = 0;
};

// The bill of `events` counted in `month` on `plan`. `month` should be valid
// (month_bounds); when it is not, period_start and period_end stay at the epoch.
// A negative count is treated as 0.
UsageReport usage_report(const Plan& plan, std::string_view month, int64_t events);

// The report of `account` for `month`, from the store's count_usage.
// InvalidArgument for a malformed month; Internal when the account's plan is not
// among `plans` (a configuration error); the store's error when it fails.
Result<UsageReport> account_usage(Store& store, const std::vector<Plan>& plans,
                                  const Account& account, std::string_view month);

}  // namespace promptjang
