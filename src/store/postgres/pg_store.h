// PgStore: the PostgreSQL back end of Store (SPEC §11): many nodes over one
// database.
//
// Writes go through ONE writer connection per store with group commit
// (pg_writer.h): all writes queued while the previous batch was committing
// share one transaction and one WAL flush; synchronous_commit is on, so a
// write whose Status is ok is durable. Reads, and claims of due work, go
// through a bounded pool of connections (pg_pool.h); a claim is one statement
// with FOR UPDATE SKIP LOCKED, so concurrent claims, of this node or another,
// never hand out the same event. The schema is migrated at open, under an
// advisory lock (pg_migrations.h).
// Threads: every method may be called from any thread. Callbacks run on the
// writer thread; they must not block and must not call the synchronous write
// methods (those then fail with FailedPrecondition instead of deadlocking).
// Destruction drains and commits everything submitted before it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/log.h"
#include "core/status.h"
#include "crypto/secret_box.h"
#include "store/schema_status.h"
#include "store/store.h"

namespace promptjang {

template <typename Connection>
class GroupCommit;
namespace pg {
class Connection;
class Pool;
using Writer = GroupCommit<Connection>;
}  // namespace pg

struct PgOptions {
  std::string conninfo;  // a postgres:// URL (or libpq key=value pairs)
  int connections = 4;   // the pool for reads and claims
  // Write ops per transaction at most. Lower than SQLite's 1024: every op is
  // round trips to the server and a savepoint, and a row updated by many ops of
  // one transaction (an account's statistics bucket) costs more with each
  // version: a 600-op batch of attempt records spent most of its time there.
  int max_batch = 128;
  // The master key endpoint secrets are sealed with; none: stored as they are
  // (store/endpoint_secrets.h).
  std::shared_ptr<const SecretBox> secrets{};
};

class PgStore final : public Store {
 public:
  // Connects and migrates the database. Unavailable when the server cannot be
  // reached; FailedPrecondition when its schema is newer than this binary.
  // `logger` must outlive the store.
  static Result<std::unique_ptr<PgStore>> open(const PgOptions& options, Logger& logger);
  ~PgStore() override;

  Status create_account(const Account& account) override;
  Status set_account_plan(std::string_view account_id, std::string_view plan) override;
  Result<Account> get_account(std::string_view account_id) override;
  Result<int64_t> count_accounts() override;
  Status create_user(const User& user) override;
  Result<User> find_user_by_email(std::string_view email) override;
  Result<User> get_user(std::string_view account_id, std::string_view user_id) override;

  Status create_session(const Session& session) override;
  Result<Session> find_session_by_hash(std::string_view token_hash, TimePoint now) override;
  Status delete_session(std::string_view token_hash) override;
  Result<int64_t> delete_sessions_of_user(std::string_view user_id) override;
  Result<int64_t> delete_expired_sessions(TimePoint now, int limit) override;

  Status create_api_key(const ApiKey& key) override;
  Result<ApiKey> find_api_key_by_hash(std::string_view hash) override;
  Result<std::vector<ApiKey>> list_api_keys(std::string_view account_id) override;
  Status revoke_api_key(std::string_view account_id, std::string_view key_id,
                        TimePoint at) override;
  void touch_api_key(std::string_view key_id, TimePoint at) override;

  Status create_endpoint(const Endpoint& endpoint) override;
  Result<Endpoint> get_endpoint(std::string_view account_id, std::string_view endpoint_id) override;
  Result<Page<Endpoint>> list_endpoints(std::string_view account_id,
                                        const std::optional<std::string>& cursor,
                                        int limit) override;
  Status update_endpoint(const Endpoint& endpoint) override;
  Status delete_endpoint(std::string_view account_id, std::string_view endpoint_id,
                         TimePoint at) override;

  void insert_event(Event event, StoreCallback done) override;
  Result<Event> find_event_by_idempotency_key(std::string_view account_id,
                                              std::string_view endpoint_id, std::string_view key,
                                              TimePoint since) override;
  Result<Event> get_event(std::string_view account_id, std::string_view event_id) override;
  Result<Page<Event>> list_events(const EventFilter& filter) override;

  Result<std::vector<Event>> claim_due_events(const ClaimRequest& request) override;
  void release_event(std::string_view event_id, StoreCallback done) override;
  Result<int64_t> renew_leases(std::string_view owner, const std::vector<std::string>& event_ids,
                               TimePoint lease_until) override;
  void record_attempt(AttemptRecord record, StoreCallback done) override;

  Result<Event> replay_event(std::string_view account_id, std::string_view event_id, bool force,
                             TimePoint now) override;
  Result<int64_t> replay_events(std::string_view account_id, std::string_view endpoint_id,
                                EventStatus status, std::optional<TimePoint> since,
                                std::optional<TimePoint> until, TimePoint now) override;

  Result<int64_t> count_usage(std::string_view account_id, std::string_view month) override;
  Result<int64_t> delete_events_before(std::string_view plan, TimePoint cutoff, int limit) override;

  Result<std::vector<DeliveryStatsBucket>> delivery_stats(std::string_view account_id,
                                                          TimePoint since,
                                                          TimePoint until) override;
  Result<int64_t> delete_delivery_stats_before(TimePoint cutoff, int limit) override;

  Result<SecretsCheck> check_endpoint_secrets(bool seal) override;

  Status ping() override;
  void flush() override;
  Result<EventCounts> count_events_by_status() override;
  void set_commit_observer(CommitObserver* observer) override;

  // Write transactions committed so far (group commit makes it far smaller
  // than the number of writes under load).
  uint64_t commit_count() const;

 private:
  PgStore(std::unique_ptr<pg::Pool> pool, std::unique_ptr<pg::Writer> writer, Logger& logger);

  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<pg::Writer> writer_;
  std::shared_ptr<const SecretBox> secrets_;  // null: secrets stored as they are
  Logger& logger_;
};

// The factory app/ uses; see PgStore::open.
Result<std::unique_ptr<Store>> open_pg_store(const PgOptions& options, Logger& logger);

// Where the database at `conninfo` stands against this binary's migrations,
// changing nothing.
Result<SchemaStatus> read_pg_schema_status(const std::string& conninfo);

}  // namespace promptjang
