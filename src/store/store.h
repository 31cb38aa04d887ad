// Store: the one storage interface of PromptJang. api/ and delivery/ see only this
// header; app/ picks the back end (SQLite now, PostgreSQL later). Every back end
// passes the same contract suite (tests/store/store_contract.h).
//
// Contract:
// - Tenancy: every read of a tenant's thing takes its account id; a thing of
//   another account is NotFound, exactly as a missing one.
// - Durability: a write has happened (and survives kill -9 and power loss) when
//   its Status says ok; insert_event's `done` runs only after the commit that
//   holds the event. Writes are batched (group commit): concurrent writes share
//   one transaction and one sync.
// - Errors: NotFound, AlreadyExists (a unique key), InvalidArgument, Unavailable
//   (the database cannot be reached or written), Internal.
// - Delivery work is claimed with a lease: a claimed event is not handed out again
//   until its lease ends, so a node that dies mid-flight has its work taken over.
// Thread safety: every method may be called from any thread. `done` callbacks run
// on a store thread and must not block.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "model/account.h"
#include "model/api_key.h"
#include "model/delivery_stats.h"
#include "model/endpoint.h"
#include "model/event.h"
#include "model/session.h"

namespace promptjang {

template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next_cursor;  // pass back to get the next page; none at the end
};

struct EventFilter {
  std::string account_id;  // required
  std::optional<EventStatus> status;
  std::optional<std::string> endpoint_id;
  std::optional<std::string> event_type;
  std::optional<TimePoint> since;     // created_at >= since
  std::optional<TimePoint> until;     // created_at < until
  std::optional<std::string> cursor;  // from a previous Page
  int limit = 50;                     // 1..1000
};

// The outcome of one delivery attempt and where it leaves its event.
struct AttemptRecord {
  Attempt attempt;  // attempt.event_id and attempt.number name the event and the slot
  EventStatus new_status = EventStatus::kQueued;
  std::optional<TimePoint> next_attempt_at;  // set when new_status is RETRYING
};

struct ClaimRequest {
  TimePoint now;
  TimePoint lease_until;
  int limit = 100;
  int per_endpoint_limit = 1'000'000;
  std::vector<std::string> exclude_endpoints;  // endpoints the caller holds enough of
  // When not empty, only these endpoints are looked at (a refill of endpoints
  // whose backlog the caller knows waits in the store).
  std::vector<std::string> only_endpoints;
  std::string owner;  // the claiming node: only it renews these leases (renew_leases)
};

using StoreCallback = std::function<void(Status)>;

// Told of each committed write transaction, on the store's writer thread: how
// many writes it held and how long it took from BEGIN to the end of COMMIT
// (the fsync included). Must be quick and must not throw.
class CommitObserver {
 public:
  virtual ~CommitObserver() = default;
  virtual void on_commit(size_t writes, std::chrono::microseconds took) noexcept = 0;
};

// Events stored by status, every account's.
struct EventCounts {
  int64_t by_status[5] = {0, 0, 0, 0, 0};  // indexed by EventStatus
};

// What Store::check_endpoint_secrets found.
struct SecretsCheck {
  int64_t values = 0;      // secrets and previous secrets looked at
  int64_t sealed = 0;      // of them, stored sealed after the check
  int64_t sealed_now = 0;  // of them, plaintext ones sealed by this check
  int64_t resealed = 0;    // of them, moved from a previous master key to the current one
};

// How long an Idempotency-Key holds for one endpoint (SPEC §4).
inline constexpr auto kIdempotencyWindow = std::chrono::hours(24);

class Store {
 public:
  virtual ~Store() = default;

  // --- accounts and users ---
  virtual Status create_account(const Account& account) = 0;
  // NotFound for an unknown account. The plan name is not checked here.
  virtual Status set_account_plan(std::string_view account_id, std::string_view plan) = 0;
  virtual Result<Account> get_account(std::string_view account_id) = 0;
  virtual Result<int64_t> count_accounts() = 0;
  virtual Status create_user(const User& user) = 0;  // AlreadyExists when the email is taken
  virtual Result<User> find_user_by_email(std::string_view email) = 0;
  // NotFound when missing or of another account.
  virtual Result<User> get_user(std::string_view account_id, std::string_view user_id) = 0;

  // --- API keys ---
  virtual Status create_api_key(const ApiKey& key) = 0;
  // Revoked keys are returned too (with revoked_at): the caller decides.
  virtual Result<ApiKey> find_api_key_by_hash(std::string_view hash) = 0;
  // Newest first, revoked ones included.
  virtual Result<std::vector<ApiKey>> list_api_keys(std::string_view account_id) = 0;
  // NotFound when missing, foreign or already revoked.
  virtual Status revoke_api_key(std::string_view account_id, std::string_view key_id,
                                TimePoint at) = 0;
  // Best effort and asynchronous: records the key's last use.
  virtual void touch_api_key(std::string_view key_id, TimePoint at) = 0;

  // --- dashboard sessions ---
  // Sessions are keyed by the SHA-256 (lowercase hex) of their token; the token
  // itself is never given to the store. A session is valid while now < expires_at.
  // AlreadyExists when the hash is taken; NotFound when the user or account is missing.
  virtual Status create_session(const Session& session) = 0;
  // NotFound when there is no such session or it has expired at `now`.
  virtual Result<Session> find_session_by_hash(std::string_view token_hash, TimePoint now) = 0;
  // NotFound when there is no such session (expired ones are deleted too).
  virtual Status delete_session(std::string_view token_hash) = 0;
  // Ends every session of the user (a password change, a removed user); how many.
  virtual Result<int64_t> delete_sessions_of_user(std::string_view user_id) = 0;
  // Deletes up to `limit` sessions expired at `now` (expires_at <= now), the
  // longest expired first; how many. One short write transaction per call.
  virtual Result<int64_t> delete_expired_sessions(TimePoint now, int limit) = 0;

  // --- endpoints ---
  virtual Status create_endpoint(const Endpoint& endpoint) = 0;
  // A deleted endpoint is NotFound.
  virtual Result<Endpoint> get_endpoint(std::string_view account_id,
                                        std::string_view endpoint_id) = 0;
  // Newest first.
  virtual Result<Page<Endpoint>> list_endpoints(std::string_view account_id,
                                                const std::optional<std::string>& cursor,
                                                int limit) = 0;
  // Writes url, description, enabled, secret, previous_secret(_expires_at), updated_at.
  virtual Status update_endpoint(const Endpoint& endpoint) = 0;
  // Soft delete: its events stay readable; those still QUEUED or RETRYING become
  // FAILED (next_attempt_at and lease_until cleared) in the same transaction.
  virtual Status delete_endpoint(std::string_view account_id, std::string_view endpoint_id,
                                 TimePoint at) = 0;

  // --- events ---
  // Stores `event` durably (as QUEUED, attempt_count 0, with its next_attempt_at
  // and lease_until); `done` runs after the commit that holds it (or with the
  // error that kept it out). This is the ingest hot path: the ingesting node
  // leases the event to its own dispatcher, so no poller takes it meanwhile.
  // In the same transaction the event is counted in its account's usage for the
  // UTC month of created_at (no count without an event, no event without a count).
  // With event.idempotency_key set: when an event of the same endpoint with the
  // same key was created within kIdempotencyWindow before event.created_at,
  // nothing is stored or counted and `done` gets AlreadyExists (read the original
  // with find_event_by_idempotency_key). Atomic: of concurrent duplicates exactly
  // one is stored.
  virtual void insert_event(Event event, StoreCallback done) = 0;
  // The newest event of the endpoint with `key` created at or after `since`,
  // without attempts; NotFound when none.
  virtual Result<Event> find_event_by_idempotency_key(std::string_view account_id,
                                                      std::string_view endpoint_id,
                                                      std::string_view key, TimePoint since) = 0;
  // With its attempts, oldest first.
  virtual Result<Event> get_event(std::string_view account_id, std::string_view event_id) = 0;
  // Newest first, without attempts.
  virtual Result<Page<Event>> list_events(const EventFilter& filter) = 0;

  // --- delivery ---
  // Claims up to request.limit events that are QUEUED or RETRYING, due
  // (next_attempt_at <= now), of endpoints that exist and are enabled, not leased
  // (lease ended), not of an excluded endpoint, and at most per_endpoint_limit of
  // any one endpoint (fairness: a backlog of one endpoint does not fill the
  // claim); leases them until request.lease_until. Oldest due first. The work is
  // bounded by the endpoints looked at and the events claimed, never by the
  // backlog: each endpoint's due events are found through an index of its own.
  virtual Result<std::vector<Event>> claim_due_events(const ClaimRequest& request) = 0;
  // Ends the lease of `event_id` without an attempt, so that a poller may claim
  // it when due (a dispatcher that will not send it now). Asynchronous.
  virtual void release_event(std::string_view event_id, StoreCallback done) = 0;
  // Extends to `lease_until` the leases that `owner` holds on `event_ids`
  // (events still QUEUED or RETRYING whose lease_owner is `owner`; others are
  // left alone: recorded, released, or claimed by another node after this
  // owner's lease ran out). Returns how many were renewed.
  virtual Result<int64_t> renew_leases(std::string_view owner,
                                       const std::vector<std::string>& event_ids,
                                       TimePoint lease_until) = 0;
  // Appends the attempt, moves the event to record.new_status with its
  // next_attempt_at, sets attempt_count to the attempt's number and ends the lease;
  // batched like insert_event. If the endpoint was deleted meanwhile, a pending
  // status (QUEUED, RETRYING) becomes FAILED, as delete_endpoint made it.
  virtual void record_attempt(AttemptRecord record, StoreCallback done) = 0;

  // --- replay (SPEC §6) ---
  // An EXPIRED or FAILED event (DELIVERED too with `force`) goes back to QUEUED
  // with next_attempt_at = now, a fresh cycle (cycle_base = attempt_count) and no
  // lease; its attempts stay. NotFound when missing or foreign; FailedPrecondition
  // when its status does not allow it. Returns the event without attempts.
  virtual Result<Event> replay_event(std::string_view account_id, std::string_view event_id,
                                     bool force, TimePoint now) = 0;
  // The same for every event of the endpoint with `status` (EXPIRED or FAILED;
  // DELIVERED is refused with InvalidArgument) created in [since, until); returns
  // how many were replayed. NotFound for a missing, deleted or foreign endpoint.
  virtual Result<int64_t> replay_events(std::string_view account_id, std::string_view endpoint_id,
                                        EventStatus status, std::optional<TimePoint> since,
                                        std::optional<TimePoint> until, TimePoint now) = 0;

  // --- usage and retention (SPEC §1) ---
  // Events counted for the account in `month` ("YYYY-MM", UTC); 0 when none.
  virtual Result<int64_t> count_usage(std::string_view account_id, std::string_view month) = 0;
  // Deletes up to `limit` events (and their attempts) of accounts on `plan`
  // created before `cutoff`, oldest first; returns how many. One short write
  // transaction per call, so ingest is never held up for long.
  virtual Result<int64_t> delete_events_before(std::string_view plan, TimePoint cutoff,
                                               int limit) = 0;

  // --- delivery statistics (docs/dashboard.md) ---
  // record_attempt counts each attempt, in its transaction, in its event's
  // account's bucket of stats_bucket_start(started_at): attempts, succeeded
  // (a 2xx), and its duration's latency bucket.
  // The account's stored buckets with since <= start < until, oldest first;
  // buckets without attempts are absent.
  virtual Result<std::vector<DeliveryStatsBucket>> delivery_stats(std::string_view account_id,
                                                                  TimePoint since,
                                                                  TimePoint until) = 0;
  // Deletes up to `limit` buckets (of every account) starting before `cutoff`,
  // oldest first; how many. One short write transaction per call.
  virtual Result<int64_t> delete_delivery_stats_before(TimePoint cutoff, int limit) = 0;

  // --- endpoint secrets at rest (store/endpoint_secrets.h) ---
  // Reads every stored endpoint secret, previous ones and deleted endpoints'
  // included, and checks that each sealed one opens with the store's master
  // key; with `seal` and a key, seals the plaintext ones and those sealed
  // with a previous master key again with the current one, in one write.
  // FailedPrecondition naming the setting when a sealed secret meets no key
  // or another key. Meant for start-up: it reads every endpoint.
  virtual Result<SecretsCheck> check_endpoint_secrets(bool seal) = 0;

  // --- operations ---
  virtual Status ping() = 0;  // the store answers (readiness)
  virtual void flush() = 0;   // returns when every write submitted so far is committed
  // A whole count (a scan of an index of every event): callers cache it
  // (/metrics counts at most every few seconds).
  virtual Result<EventCounts> count_events_by_status() = 0;
  // From now on `observer` (null: nobody) hears of each committed write
  // transaction; it must outlive the store or be replaced first.
  virtual void set_commit_observer(CommitObserver* observer) = 0;
};

}  // namespace promptjang
