// Month arithmetic on std::chrono calendar types and the overage formula; see
// billing.h.
#include "usage/billing.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <tuple>

#include "store/store_keys.h"

namespace promptjang {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int digits(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

// Started units of kOverageUnitEvents in `over` (>= 0), without overflow.
int64_t started_units(int64_t over) {
  return over / kOverageUnitEvents + (over % kOverageUnitEvents != 0 ? 1 : 0);
}

}  // namespace

// The store counts usage by the same month key (store/store_keys.h).
std::string month_of(TimePoint t) { return usage_month(t); }

Result<std::pair<TimePoint, TimePoint>> month_bounds(std::string_view month) {
  using namespace std::chrono;
  const bool shaped = month.size() == 7 && month[4] == '-' &&
                      std::all_of(month.begin(), month.begin() + 4, is_digit) &&
                      is_digit(month[5]) && is_digit(month[6]);
  const int m = shaped ? digits(month.substr(5, 2)) : 0;
  if (m < 1 || m > 12)
    return invalid_argument("not a month (YYYY-MM): '" + std::string(month) + "'");
  const year_month ym{year{digits(month.substr(0, 4))}, std::chrono::month{unsigned(m)}};
  const sys_days start{ym / 1};
  const sys_days end{(ym + months{1}) / 1};
  return std::pair{TimePoint{start}, TimePoint{end}};
}

UsageReport usage_report(const Plan& plan, std::string_view month, int64_t events) {
  UsageReport r;
  r.plan = plan.name;
  r.period = std::string(month);
  if (auto bounds = month_bounds(month)) std::tie(r.period_start, r.period_end) = *bounds;
  r.events = std::max<int64_t>(0, events);
  r.included = plan.included_events;
  r.overage_units = started_units(std::max<int64_t>(0, r.events - r.included));
  r.price_cents = plan.price_cents;
  r.overage_cents_per_unit = plan.overage_cents_per_unit;
  r.cost_cents = r.price_cents + r.overage_units * r.overage_cents_per_unit;
  return r;
}

Result<UsageReport> account_usage(Store& store, const std::vector<Plan>& plans,
                                  const Account& account, std::string_view month) {
  PJ_RETURN_IF_ERROR(month_bounds(month));
  auto plan = find_plan(plans, account.plan);
  if (!plan)
    return internal_error("account " + account.id + " is on unknown plan '" + account.plan + "'");
  auto events = store.count_usage(account.id, month);
  PJ_RETURN_IF_ERROR(events);
  return usage_report(*plan, month, *events);
}

}  // namespace promptjang
