// Domain operations on accounts, users and API keys, shared by the HTTP API, the
// CLI and the first-start bootstrap so each rule lives in one place.
// Thread safety: as safe as the Store; the functions keep no state.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "model/account.h"
#include "model/api_key.h"
#include "service/deps.h"

namespace promptjang {

// NotFound-free validation: InvalidArgument for an empty name or unknown plan.
Result<Account> create_account(const ServiceDeps& deps, std::string_view name,
                               std::string_view plan);

// A new key; `key` is the full secret, shown once and never stored.
struct CreatedApiKey {
  ApiKey record;
  std::string key;
};
Result<CreatedApiKey> create_api_key(const ServiceDeps& deps, std::string_view account_id,
                                     std::string_view name);

// A new dashboard user. With no password given, one is generated and returned.
struct CreatedUser {
  User record;
  std::string password;
};
Result<CreatedUser> create_user(const ServiceDeps& deps, std::string_view account_id,
                                std::string_view email, const std::optional<std::string>& password);

// What the first start of an empty installation creates and prints once.
struct Bootstrap {
  Account account;
  CreatedUser owner;
  CreatedApiKey api_key;
};
// Creates an account (plan starter), an owner user and an API key when the store
// holds no account yet; nullopt when it already has one.
Result<std::optional<Bootstrap>> bootstrap_if_empty(const ServiceDeps& deps);

}  // namespace promptjang
