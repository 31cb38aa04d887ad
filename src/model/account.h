// Account (a tenant) and User (a person who logs into the dashboard of one account).
#pragma once

#include <string>

#include "core/clock.h"

namespace promptjang {

struct Account {
  std::string id;  // acct_...
  std::string name;
  std::string plan;  // a Plan name
  TimePoint created_at;
};

struct User {
  std::string id;  // usr_...
  std::string account_id;
  std::string email;          // stored lowercased; unique across accounts
  std::string password_hash;  // argon2id, libsodium's encoded string
  TimePoint created_at;
};

}  // namespace promptjang
