// ServiceDeps: the side effects every domain operation needs, injected together.
// Built by app/ (or by a test) and borrowed by the API handlers and the CLI.
#pragma once

#include <vector>

#include "core/clock.h"
#include "core/ids.h"
#include "core/random.h"
#include "model/plan.h"
#include "store/store.h"

namespace promptjang {

struct ServiceDeps {
  Store& store;
  const Clock& clock;
  Random& random;
  IdGenerator& ids;
  const std::vector<Plan>& plans;
};

}  // namespace promptjang
