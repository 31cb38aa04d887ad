// SqliteStore: accounts, users and API keys. Reads use a pooled reader;
// writes go through the writer (synchronous ones wait for their commit).
#include <string>

#include "query_helpers.h"
#include "reader_pool.h"
#include "sqlite_store.h"
#include "store/rows.h"
#include "write_queue.h"

namespace promptjang {

using sqlite::Connection;

using sql::lowercase_ascii;

// --- accounts and users ---

Status SqliteStore::create_account(const Account& account) {
  return writer_->run_sync([&account](Connection& db) {
    return sqlite::with_context(
        sqlite::execute(db, "INSERT INTO accounts (id, name, plan, created_at) VALUES (?, ?, ?, ?)",
                        account.id, account.name, account.plan, account.created_at)
            .status(),
        "create account " + account.id);
  });
}

Status SqliteStore::set_account_plan(std::string_view account_id, std::string_view plan) {
  return writer_->run_sync([&](Connection& db) {
    return sqlite::execute_one(db, "UPDATE accounts SET plan = ? WHERE id = ?",
                               "account " + std::string(account_id), plan, account_id);
  });
}

Result<Account> SqliteStore::get_account(std::string_view account_id) {
  static const std::string kSql =
      "SELECT " + std::string(rows::kAccountColumns) + " FROM accounts WHERE id = ?";
  auto db = readers_->acquire();
  return sqlite::query_one(*db, kSql, "account " + std::string(account_id), rows::read_account,
                           account_id);
}

Result<int64_t> SqliteStore::count_accounts() {
  auto db = readers_->acquire();
  return sqlite::query_one(*db, "SELECT count(*) FROM accounts", "accounts",
                           [](const sqlite::Query& q) { return q.int64(0); });
}

Status SqliteStore::create_user(const User& user) {
  return writer_->run_sync([&user](Connection& db) {
    return sqlite::with_context(
        sqlite::execute(db,
                        "INSERT INTO users (id, account_id, email, password_hash, created_at)"
                        " VALUES (?, ?, ?, ?, ?)",
                        user.id, user.account_id, lowercase_ascii(user.email), user.password_hash,
                        user.created_at)
            .status(),
        "create user " + user.id);
  });
}

Result<User> SqliteStore::find_user_by_email(std::string_view email) {
  static const std::string kSql =
      "SELECT " + std::string(rows::kUserColumns) + " FROM users WHERE email = ?";
  auto db = readers_->acquire();
  return sqlite::query_one(*db, kSql, "user with that email", rows::read_user,
                           lowercase_ascii(email));
}

Result<User> SqliteStore::get_user(std::string_view account_id, std::string_view user_id) {
  static const std::string kSql =
      "SELECT " + std::string(rows::kUserColumns) + " FROM users WHERE id = ? AND account_id = ?";
  auto db = readers_->acquire();
  return sqlite::query_one(*db, kSql, "user " + std::string(user_id), rows::read_user, user_id,
                           account_id);
}

// --- API keys ---

Status SqliteStore::create_api_key(const ApiKey& key) {
  return writer_->run_sync([&key](Connection& db) {
    return sqlite::with_context(
        sqlite::execute(db,
                        "INSERT INTO api_keys (id, account_id, name, prefix, hash, created_at,"
                        " last_used_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        key.id, key.account_id, key.name, key.prefix, key.hash, key.created_at,
                        key.last_used_at, key.revoked_at)
            .status(),
        "create API key " + key.id);
  });
}

Result<ApiKey> SqliteStore::find_api_key_by_hash(std::string_view hash) {
  // The hot read of every API request (the API's key cache misses land here).
  static const std::string kSql =
      "SELECT " + std::string(rows::kApiKeyColumns) + " FROM api_keys WHERE hash = ?";
  auto db = readers_->acquire();
  return sqlite::query_one(*db, kSql, "API key", rows::read_api_key, hash);
}

Result<std::vector<ApiKey>> SqliteStore::list_api_keys(std::string_view account_id) {
  static const std::string kSql = "SELECT " + std::string(rows::kApiKeyColumns) +
                                  " FROM api_keys WHERE account_id = ? ORDER BY id DESC";
  auto db = readers_->acquire();
  return sqlite::query_all(*db, kSql, rows::read_api_key, account_id);
}

Status SqliteStore::revoke_api_key(std::string_view account_id, std::string_view key_id,
                                   TimePoint at) {
  return writer_->run_sync([&](Connection& db) {
    return sqlite::execute_one(db,
                               "UPDATE api_keys SET revoked_at = ?"
                               " WHERE id = ? AND account_id = ? AND revoked_at IS NULL",
                               "API key " + std::string(key_id), at, key_id, account_id);
  });
}

void SqliteStore::touch_api_key(std::string_view key_id, TimePoint at) {
  // Never moves last_used_at back: concurrent requests may submit their touches out of order.
  writer_->submit(
      [key_id = std::string(key_id), at](Connection& db) {
        return sqlite::execute(db,
                               "UPDATE api_keys SET last_used_at = ?1"
                               " WHERE id = ?2 AND (last_used_at IS NULL OR last_used_at < ?1)",
                               at, key_id)
            .status();
      },
      [this](const Status& st) {
        if (!st) logger_.warn("sqlite: recording an API key's last use failed: {}", st.to_string());
      });
}

}  // namespace promptjang
