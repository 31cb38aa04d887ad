// Endpoint: a customer's target URL and the secret that signs what is sent to it.
#pragma once

#include <optional>
#include <string>

#include "core/clock.h"

namespace promptjang {

struct Endpoint {
  std::string id;  // ep_...
  std::string account_id;
  std::string url;
  std::string description;
  bool enabled = true;
  std::string secret;  // whsec_...
  // After a rotation the previous secret signs too, until previous_secret_expires_at.
  std::optional<std::string> previous_secret;
  std::optional<TimePoint> previous_secret_expires_at;
  TimePoint created_at;
  TimePoint updated_at;
};

}  // namespace promptjang
