// Accounts, users and API keys; see accounts.h.
#include "service/accounts.h"

#include <algorithm>
#include <cctype>

#include "core/ids.h"
#include "crypto/password.h"
#include "crypto/tokens.h"

namespace promptjang {
namespace {

constexpr size_t kMaxNameLength = 200;
constexpr size_t kMinPasswordLength = 10;

bool plausible_email(std::string_view e) {
  auto at = e.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < e.size() && e.size() <= 254 &&
         e.find('@', at + 1) == std::string_view::npos &&
         std::none_of(e.begin(), e.end(),
                      [](unsigned char c) { return std::isspace(c) || c < 32; });
}

}  // namespace

Result<Account> create_account(const ServiceDeps& deps, std::string_view name,
                               std::string_view plan) {
  if (name.empty() || name.size() > kMaxNameLength)
    return invalid_argument("account name must be 1 to 200 characters");
  if (!find_plan(deps.plans, plan))
    return invalid_argument("unknown plan '" + std::string(plan) + "' (starter or pro)");
  Account a{deps.ids.next(id_prefix::kAccount), std::string(name), std::string(plan),
            deps.clock.now()};
  PJ_RETURN_IF_ERROR(deps.store.create_account(a));
  return a;
}

Result<CreatedApiKey> create_api_key(const ServiceDeps& deps, std::string_view account_id,
                                     std::string_view name) {
  if (name.size() > kMaxNameLength) return invalid_argument("key name is over 200 characters");
  PJ_RETURN_IF_ERROR(deps.store.get_account(account_id));
  NewApiKey k = generate_api_key(deps.random);
  ApiKey rec;
  rec.id = deps.ids.next(id_prefix::kApiKey);
  rec.account_id = std::string(account_id);
  rec.name = name.empty() ? "default" : std::string(name);
  rec.prefix = k.prefix;
  rec.hash = k.hash;
  rec.created_at = deps.clock.now();
  PJ_RETURN_IF_ERROR(deps.store.create_api_key(rec));
  return CreatedApiKey{std::move(rec), std::move(k.key)};
}

Result<CreatedUser> create_user(const ServiceDeps& deps, std::string_view account_id,
                                std::string_view email,
                                const std::optional<std::string>& password) {
  if (!plausible_email(email)) return invalid_argument(quoted(email) + " is not an email address");
  std::string pw = password ? *password : generate_password(deps.random);
  if (pw.size() < kMinPasswordLength)
    return invalid_argument("password must be at least 10 characters");
  PJ_RETURN_IF_ERROR(deps.store.get_account(account_id));
  auto hash = hash_password(pw);
  if (!hash) return hash.status();
  User u;
  u.id = deps.ids.next(id_prefix::kUser);
  u.account_id = std::string(account_id);
  u.email = std::string(email);
  std::transform(u.email.begin(), u.email.end(), u.email.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  u.password_hash = std::move(*hash);
  u.created_at = deps.clock.now();
  PJ_RETURN_IF_ERROR(deps.store.create_user(u));
  return CreatedUser{std::move(u), std::move(pw)};
}

Result<std::optional<Bootstrap>> bootstrap_if_empty(const ServiceDeps& deps) {
  auto n = deps.store.count_accounts();
  if (!n) return n.status();
  if (*n > 0) return std::optional<Bootstrap>{};
  auto account = create_account(deps, "My account", "starter");
  if (!account) return account.status();
  auto owner = create_user(deps, account->id, "owner@localhost.localdomain", std::nullopt);
  if (!owner) return owner.status();
  auto key = create_api_key(deps, account->id, "bootstrap");
  if (!key) return key.status();
  return std::optional<Bootstrap>{Bootstrap{*account, *owner, *key}};
}

}  // namespace promptjang
