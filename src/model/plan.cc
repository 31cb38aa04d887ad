// Default plans; see plan.h.
#include "model/plan.h"

namespace promptjang {

std::vector<Plan> default_plans() {
  return {
      Plan{"starter", 2900, 100'000, 7, 262'144, 2900},
      Plan{"pro", 6900, 1'000'000, 30, 2'097'152, 6900},
  };
}

std::optional<Plan> find_plan(const std::vector<Plan>& plans, std::string_view name) {
  for (const auto& p : plans)
    if (p.name == name) return p;
  return std::nullopt;
}

}  // namespace promptjang
