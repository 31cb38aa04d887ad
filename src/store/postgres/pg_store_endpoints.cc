// PgStore: endpoints. A deleted endpoint (deleted_at set) is NotFound to every
// method here, but its row stays so that its events remain readable; deleting
// it fails its pending (QUEUED, RETRYING) events in the same transaction.
#include <string>

#include "core/ids.h"
#include "pg_pool.h"
#include "pg_query.h"
#include "pg_store.h"
#include "pg_writer.h"
#include "store/endpoint_secrets.h"
#include "store/rows.h"

namespace promptjang {

using pg::Connection;

Status PgStore::create_endpoint(const Endpoint& endpoint) {
  const Endpoint e = secrets::for_storage(secrets_.get(), endpoint);
  return writer_->run_sync([&e](Connection& db) {
    return pg::with_context(
        pg::execute(db,
                    "INSERT INTO endpoints (id, account_id, url, description, enabled, secret,"
                    " previous_secret, previous_secret_expires_at, created_at, updated_at)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    e.id, e.account_id, e.url, e.description, e.enabled, e.secret,
                    e.previous_secret, e.previous_secret_expires_at, e.created_at, e.updated_at)
            .status(),
        "create endpoint " + e.id);
  });
}

Result<Endpoint> PgStore::get_endpoint(std::string_view account_id, std::string_view endpoint_id) {
  static const std::string kSql =
      "SELECT " + std::string(rows::kEndpointColumns) +
      " FROM endpoints WHERE id = $1 AND account_id = $2 AND deleted_at IS NULL";
  auto db = pool_->acquire();
  if (!db) return db.status();
  auto endpoint = pg::query_one(**db, kSql, "endpoint " + std::string(endpoint_id),
                                rows::read_endpoint, endpoint_id, account_id);
  if (endpoint) PJ_RETURN_IF_ERROR(secrets::open_stored(secrets_.get(), *endpoint));
  return endpoint;
}

Result<Page<Endpoint>> PgStore::list_endpoints(std::string_view account_id,
                                               const std::optional<std::string>& cursor,
                                               int limit) {
  // The cursor is the last id of the previous page (ids sort by creation).
  if (cursor && !is_well_formed_id(*cursor, id_prefix::kEndpoint)) {
    return invalid_argument("invalid cursor");
  }
  static const std::string kFirst =
      "SELECT " + std::string(rows::kEndpointColumns) +
      " FROM endpoints WHERE account_id = $1 AND deleted_at IS NULL ORDER BY id DESC LIMIT $2";
  static const std::string kNext =
      "SELECT " + std::string(rows::kEndpointColumns) +
      " FROM endpoints WHERE account_id = $1 AND deleted_at IS NULL AND id < $2"
      " ORDER BY id DESC LIMIT $3";
  limit = pg::clamp_limit(limit);
  auto db = pool_->acquire();
  if (!db) return db.status();
  // One row more than asked tells whether there is a next page.
  auto rows = cursor
                  ? pg::query_all(**db, kNext, rows::read_endpoint, account_id, *cursor, limit + 1)
                  : pg::query_all(**db, kFirst, rows::read_endpoint, account_id, limit + 1);
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

Status PgStore::update_endpoint(const Endpoint& endpoint) {
  const Endpoint e = secrets::for_storage(secrets_.get(), endpoint);
  return writer_->run_sync([&e](Connection& db) {
    return pg::execute_one(
        db,
        "UPDATE endpoints SET url = $1, description = $2, enabled = $3, secret = $4,"
        " previous_secret = $5, previous_secret_expires_at = $6, updated_at = $7"
        " WHERE id = $8 AND account_id = $9 AND deleted_at IS NULL",
        "endpoint " + e.id, e.url, e.description, e.enabled, e.secret, e.previous_secret,
        e.previous_secret_expires_at, e.updated_at, e.id, e.account_id);
  });
}

Status PgStore::delete_endpoint(std::string_view account_id, std::string_view endpoint_id,
                                TimePoint at) {
  // One transaction: a claim that locked some of the endpoint's events
  // finishes first (the UPDATE waits for its row locks), and every lease on
  // them ends here.
  return writer_->run_sync([&](Connection& db) -> Status {
    PJ_RETURN_IF_ERROR(pg::execute_one(db,
                                       "UPDATE endpoints SET deleted_at = $1, updated_at = $1"
                                       " WHERE id = $2 AND account_id = $3 AND deleted_at IS NULL",
                                       "endpoint " + std::string(endpoint_id), at, endpoint_id,
                                       account_id));
    return pg::with_context(
        pg::execute(
            db,
            "UPDATE events SET status = 'FAILED', next_attempt_at = NULL,"
            " lease_until = NULL, lease_owner = NULL WHERE account_id = $1 AND endpoint_id = $2"
            " AND status IN ('QUEUED', 'RETRYING')",
            account_id, endpoint_id)
            .status(),
        "fail the pending events of endpoint " + std::string(endpoint_id));
  });
}

Result<SecretsCheck> PgStore::check_endpoint_secrets(bool seal) {
  auto db = pool_->acquire();
  if (!db) return db.status();
  auto rows = pg::query_all(**db, "SELECT id, secret, previous_secret FROM endpoints ORDER BY id",
                            [](const auto& r) {
                              return secrets::StoredSecrets{r.text(0), r.text(1), r.opt_text(2)};
                            });
  if (!rows) return rows.status();
  SecretsCheck check;
  auto rewrites = secrets::check_all(secrets_.get(), *rows, seal, &check);
  if (!rewrites) return rewrites.status();
  if (rewrites->empty()) return check;
  // One transaction; a row changed meanwhile (a rotation, another node sealing
  // it at its own start) is left as it is now.
  Status written = writer_->run_sync([&](Connection& c) -> Status {
    for (const secrets::Rewrite& r : *rewrites) {
      PJ_RETURN_IF_ERROR(pg::with_context(
          pg::execute(c,
                      "UPDATE endpoints SET secret = $1, previous_secret = $2"
                      " WHERE id = $3 AND secret = $4 AND previous_secret IS NOT DISTINCT FROM $5",
                      r.after.secret, r.after.previous_secret, r.before.id, r.before.secret,
                      r.before.previous_secret)
              .status(),
          "seal the secrets of endpoint " + r.before.id));
    }
    return Status::ok();
  });
  if (!written) return written;
  return check;
}

}  // namespace promptjang
