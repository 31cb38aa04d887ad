// Plans: what an account pays for and the limits that follow (SPEC §1).
// Plain values; the defaults are configurable at app/ level.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace promptjang {

struct Plan {
  std::string name;             // "starter" | "pro"
  int64_t price_cents = 0;      // per month
  int64_t included_events = 0;  // per calendar month (UTC)
  int retention_days = 0;
  int64_t max_payload_bytes = 0;
  int64_t overage_cents_per_unit = 0;  // per started unit of 100,000 events
};

inline constexpr int64_t kOverageUnitEvents = 100'000;

// The two plans of SPEC §1 with their default figures.
std::vector<Plan> default_plans();
// The plan named `name` among `plans`, if any.
std::optional<Plan> find_plan(const std::vector<Plan>& plans, std::string_view name);

}  // namespace promptjang
