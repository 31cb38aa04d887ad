// ApiKey: a customer's credential to the API. Only its SHA-256 is stored.
#pragma once

#include <optional>
#include <string>

#include "core/clock.h"

namespace promptjang {

struct ApiKey {
  std::string id;  // key_...
  std::string account_id;
  std::string name;
  std::string prefix;  // the first 12 characters of the key ("pj_live_xxxx")
  std::string hash;    // lowercase hex SHA-256 of the full key
  TimePoint created_at;
  std::optional<TimePoint> last_used_at;
  std::optional<TimePoint> revoked_at;
};

}  // namespace promptjang
