// SqliteStore: endpoints. A deleted endpoint (deleted_at set) is NotFound to
// every method here, but its row stays so that its events remain readable;
// deleting it fails its pending (QUEUED, RETRYING) events in the same transaction.
#include <string>

#include "core/ids.h"
#include "query_helpers.h"
#include "reader_pool.h"
#include "sqlite_store.h"
#include "store/endpoint_secrets.h"
#include "store/rows.h"
#include "write_queue.h"

namespace promptjang {

using sqlite::Connection;

Status SqliteStore::create_endpoint(const Endpoint& endpoint) {
  const Endpoint e = secrets::for_storage(secrets_.get(), endpoint);
  return writer_->run_sync([&e](Connection& db) {
    return sqlite::with_context(
        sqlite::execute(db,
                        "INSERT INTO endpoints (id, account_id, url, description, enabled, secret,"
                        " previous_secret, previous_secret_expires_at, created_at, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        e.id, e.account_id, e.url, e.description, e.enabled, e.secret,
                        e.previous_secret, e.previous_secret_expires_at, e.created_at, e.updated_at)
            .status(),
        "create endpoint " + e.id);
  });
}

Result<Endpoint> SqliteStore::get_endpoint(std::string_view account_id,
                                           std::string_view endpoint_id) {
  static const std::string kSql =
      "SELECT " + std::string(rows::kEndpointColumns) +
      " FROM endpoints WHERE id = ? AND account_id = ? AND deleted_at IS NULL";
  auto endpoint = [&] {
    auto db = readers_->acquire();
    return sqlite::query_one(*db, kSql, "endpoint " + std::string(endpoint_id), rows::read_endpoint,
                             endpoint_id, account_id);
  }();
  if (endpoint) PJ_RETURN_IF_ERROR(secrets::open_stored(secrets_.get(), *endpoint));
  return endpoint;
}

Result<Page<Endpoint>> SqliteStore::list_endpoints(std::string_view account_id,
                                                   const std::optional<std::string>& cursor,
                                                   int limit) {
  // The cursor is the last id of the previous page (ids sort by creation).
  if (cursor && !is_well_formed_id(*cursor, id_prefix::kEndpoint)) {
    return invalid_argument("invalid cursor");
  }
  static const std::string kFirst =
      "SELECT " + std::string(rows::kEndpointColumns) +
      " FROM endpoints WHERE account_id = ? AND deleted_at IS NULL ORDER BY id DESC LIMIT ?";
  static const std::string kNext =
      "SELECT " + std::string(rows::kEndpointColumns) +
      " FROM endpoints WHERE account_id = ? AND deleted_at IS NULL AND id < ?"
      " ORDER BY id DESC LIMIT ?";
  limit = sqlite::clamp_limit(limit);
  Result<std::vector<Endpoint>> rows = [&] {
    auto db = readers_->acquire();
    // One row more than asked tells whether there is a next page.
    return cursor
               ? sqlite::query_all(*db, kNext, rows::read_endpoint, account_id, *cursor, limit + 1)
               : sqlite::query_all(*db, kFirst, rows::read_endpoint, account_id, limit + 1);
  }();
  if (!rows) return rows.status();
  Page<Endpoint> page;
  page.items = std::move(*rows);
  for (Endpoint& e : page.items) PJ_RETURN_IF_ERROR(secrets::open_stored(secrets_.get(), e));
  if (page.items.size() > static_cast<size_t>(limit)) {
    page.items.pop_back();
    page.next_cursor = page.items.back().id;
  }
  return page;
}

Status SqliteStore::update_endpoint(const Endpoint& endpoint) {
  const Endpoint e = secrets::for_storage(secrets_.get(), endpoint);
  return writer_->run_sync([&e](Connection& db) {
    return sqlite::execute_one(
        db,
        "UPDATE endpoints SET url = ?, description = ?, enabled = ?, secret = ?,"
        " previous_secret = ?, previous_secret_expires_at = ?, updated_at = ?"
        " WHERE id = ? AND account_id = ? AND deleted_at IS NULL",
        "endpoint " + e.id, e.url, e.description, e.enabled, e.secret, e.previous_secret,
        e.previous_secret_expires_at, e.updated_at, e.id, e.account_id);
  });
}

Status SqliteStore::delete_endpoint(std::string_view account_id, std::string_view endpoint_id,
                                    TimePoint at) {
  // One transaction: no poller can claim an event of the endpoint between the
  // two statements, and a dispatcher's lease on one of them ends here.
  return writer_->run_sync([&](Connection& db) -> Status {
    PJ_RETURN_IF_ERROR(
        sqlite::execute_one(db,
                            "UPDATE endpoints SET deleted_at = ?1, updated_at = ?1"
                            " WHERE id = ?2 AND account_id = ?3 AND deleted_at IS NULL",
                            "endpoint " + std::string(endpoint_id), at, endpoint_id, account_id));
    // Walks the endpoint's events (events_by_account_endpoint): deletion is rare.
    return sqlite::with_context(
        sqlite::execute(
            db,
            "UPDATE events SET status = 'FAILED', next_attempt_at = NULL,"
            " lease_until = NULL, lease_owner = NULL WHERE account_id = ? AND endpoint_id = ?"
            " AND status IN ('QUEUED', 'RETRYING')",
            account_id, endpoint_id)
            .status(),
        "fail the pending events of endpoint " + std::string(endpoint_id));
  });
}

Result<SecretsCheck> SqliteStore::check_endpoint_secrets(bool seal) {
  auto rows = [&] {
    auto db = readers_->acquire();
    return sqlite::query_all(*db, "SELECT id, secret, previous_secret FROM endpoints ORDER BY id",
                             [](const auto& r) {
                               return secrets::StoredSecrets{r.text(0), r.text(1), r.opt_text(2)};
                             });
  }();
  if (!rows) return rows.status();
  SecretsCheck check;
  auto rewrites = secrets::check_all(secrets_.get(), *rows, seal, &check);
  if (!rewrites) return rewrites.status();
  if (rewrites->empty()) return check;
  // One transaction; a row changed meanwhile (a rotation) is left as it is now.
  // secure_delete zeroes the space the plaintext leaves in the page (the
  // sealed value is longer, so the row moves); the checkpoint below drops the
  // WAL frames that still hold the old pages.
  Status written = writer_->run_sync([&](Connection& db) -> Status {
    PJ_RETURN_IF_ERROR(db.exec("PRAGMA secure_delete = ON"));
    for (const secrets::Rewrite& r : *rewrites) {
      PJ_RETURN_IF_ERROR(sqlite::with_context(
          sqlite::execute(db,
                          "UPDATE endpoints SET secret = ?, previous_secret = ?"
                          " WHERE id = ? AND secret = ? AND previous_secret IS ?",
                          r.after.secret, r.after.previous_secret, r.before.id, r.before.secret,
                          r.before.previous_secret)
              .status(),
          "seal the secrets of endpoint " + r.before.id));
    }
    return Status::ok();
  });
  if (!written) return written;
  PJ_RETURN_IF_ERROR(writer_->run_sync(
      [](Connection& db) -> Status { return db.exec("PRAGMA secure_delete = OFF"); }));
  // Copies the sealed pages into the database file and truncates the WAL, so
  // no file keeps the plaintext. Outside the writer's transaction, on a
  // connection of its own; another process reading at this moment makes it
  // give up after the busy timeout (the plaintext then stays in the WAL until
  // a later checkpoint overwrites it), which is only logged.
  auto checkpoint = Connection::open(path_, sqlite::OpenOptions{});
  Status truncated =
      checkpoint ? (*checkpoint)->exec("PRAGMA wal_checkpoint(TRUNCATE)") : checkpoint.status();
  if (!truncated)
    logger_.warn("sqlite: the WAL could not be truncated after sealing secrets: {}",
                 truncated.to_string());
  return check;
}

}  // namespace promptjang
