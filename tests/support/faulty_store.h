// FaultyStore: a Store decorator for fault injection. It forwards everything to a
// real store, and while `fail_writes` is set it answers every write (and ping)
// with Unavailable, as a full disk or a lost database would. While
// `hold_records` is set, attempt records wait (uncommitted, as behind a slow
// writer) until release_records().
// Thread safety: as the wrapped store; the flags are atomic, held records
// guarded by a mutex.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "store/store.h"

namespace promptjang::testing {

class FaultyStore final : public Store {
 public:
  explicit FaultyStore(std::unique_ptr<Store> inner) : inner_(std::move(inner)) {}

  std::atomic<bool> fail_writes{false};
  std::atomic<bool> hold_records{false};

  // Attempt records waiting for release_records().
  size_t held_records() {
    std::lock_guard lock(held_mu_);
    return held_.size();
  }
  // Stops holding and writes every held record.
  void release_records() {
    std::vector<std::pair<AttemptRecord, StoreCallback>> held;
    {
      std::lock_guard lock(held_mu_);
      hold_records = false;
      held.swap(held_);
    }
    for (auto& [r, done] : held) inner_->record_attempt(std::move(r), std::move(done));
  }

  Status create_account(const Account& a) override {
    return down() ? fault() : inner_->create_account(a);
  }
  Status set_account_plan(std::string_view a, std::string_view plan) override {
    return down() ? fault() : inner_->set_account_plan(a, plan);
  }
  Result<Event> find_event_by_idempotency_key(std::string_view a, std::string_view ep,
                                              std::string_view key, TimePoint since) override {
    return inner_->find_event_by_idempotency_key(a, ep, key, since);
  }
  Result<int64_t> count_usage(std::string_view a, std::string_view month) override {
    return inner_->count_usage(a, month);
  }
  Result<int64_t> delete_events_before(std::string_view plan, TimePoint cutoff,
                                       int limit) override {
    if (down()) return fault();
    return inner_->delete_events_before(plan, cutoff, limit);
  }
  Result<Account> get_account(std::string_view id) override { return inner_->get_account(id); }
  Result<int64_t> count_accounts() override { return inner_->count_accounts(); }
  Status create_user(const User& u) override { return down() ? fault() : inner_->create_user(u); }
  Result<User> find_user_by_email(std::string_view e) override {
    return inner_->find_user_by_email(e);
  }
  Result<User> get_user(std::string_view a, std::string_view u) override {
    return inner_->get_user(a, u);
  }
  Status create_session(const Session& s) override {
    return down() ? fault() : inner_->create_session(s);
  }
  Result<Session> find_session_by_hash(std::string_view h, TimePoint now) override {
    return inner_->find_session_by_hash(h, now);
  }
  Status delete_session(std::string_view h) override {
    return down() ? fault() : inner_->delete_session(h);
  }
  Result<int64_t> delete_sessions_of_user(std::string_view u) override {
    if (down()) return fault();
    return inner_->delete_sessions_of_user(u);
  }
  Result<int64_t> delete_expired_sessions(TimePoint now, int limit) override {
    if (down()) return fault();
    return inner_->delete_expired_sessions(now, limit);
  }
  Status create_api_key(const ApiKey& k) override {
    return down() ? fault() : inner_->create_api_key(k);
  }
  Result<ApiKey> find_api_key_by_hash(std::string_view h) override {
    return inner_->find_api_key_by_hash(h);
  }
  Result<std::vector<ApiKey>> list_api_keys(std::string_view a) override {
    return inner_->list_api_keys(a);
  }
  Status revoke_api_key(std::string_view a, std::string_view k, TimePoint t) override {
    return down() ? fault() : inner_->revoke_api_key(a, k, t);
  }
  void touch_api_key(std::string_view k, TimePoint t) override {
    if (!down()) inner_->touch_api_key(k, t);
  }
  Status create_endpoint(const Endpoint& e) override {
    return down() ? fault() : inner_->create_endpoint(e);
  }
  Result<Endpoint> get_endpoint(std::string_view a, std::string_view e) override {
    return inner_->get_endpoint(a, e);
  }
  Result<Page<Endpoint>> list_endpoints(std::string_view a, const std::optional<std::string>& c,
                                        int l) override {
    return inner_->list_endpoints(a, c, l);
  }
  Result<SecretsCheck> check_endpoint_secrets(bool seal) override {
    return inner_->check_endpoint_secrets(seal);
  }
  Status update_endpoint(const Endpoint& e) override {
    return down() ? fault() : inner_->update_endpoint(e);
  }
  Status delete_endpoint(std::string_view a, std::string_view e, TimePoint t) override {
    return down() ? fault() : inner_->delete_endpoint(a, e, t);
  }
  void insert_event(Event e, StoreCallback done) override {
    if (down()) return done(fault());
    inner_->insert_event(std::move(e), std::move(done));
  }
  Result<Event> get_event(std::string_view a, std::string_view e) override {
    return inner_->get_event(a, e);
  }
  Result<Page<Event>> list_events(const EventFilter& f) override { return inner_->list_events(f); }
  Result<std::vector<Event>> claim_due_events(const ClaimRequest& r) override {
    if (down()) return fault();
    return inner_->claim_due_events(r);
  }
  void record_attempt(AttemptRecord r, StoreCallback done) override {
    if (down()) return done(fault());
    {
      std::lock_guard lock(held_mu_);
      if (hold_records) {
        held_.emplace_back(std::move(r), std::move(done));
        return;
      }
    }
    inner_->record_attempt(std::move(r), std::move(done));
  }
  Result<int64_t> renew_leases(std::string_view owner, const std::vector<std::string>& ids,
                               TimePoint lease_until) override {
    if (down()) return fault();
    return inner_->renew_leases(owner, ids, lease_until);
  }
  void release_event(std::string_view id, StoreCallback done) override {
    if (down()) return done(fault());
    inner_->release_event(id, std::move(done));
  }
  Result<Event> replay_event(std::string_view a, std::string_view e, bool force,
                             TimePoint now) override {
    if (down()) return fault();
    return inner_->replay_event(a, e, force, now);
  }
  Result<int64_t> replay_events(std::string_view a, std::string_view ep, EventStatus s,
                                std::optional<TimePoint> since, std::optional<TimePoint> until,
                                TimePoint now) override {
    if (down()) return fault();
    return inner_->replay_events(a, ep, s, since, until, now);
  }
  Result<std::vector<DeliveryStatsBucket>> delivery_stats(std::string_view a, TimePoint since,
                                                          TimePoint until) override {
    return inner_->delivery_stats(a, since, until);
  }
  Result<int64_t> delete_delivery_stats_before(TimePoint cutoff, int limit) override {
    if (down()) return fault();
    return inner_->delete_delivery_stats_before(cutoff, limit);
  }
  Status ping() override { return down() ? fault() : inner_->ping(); }
  void flush() override { inner_->flush(); }
  Result<EventCounts> count_events_by_status() override {
    if (down()) return fault();
    return inner_->count_events_by_status();
  }
  void set_commit_observer(CommitObserver* observer) override {
    inner_->set_commit_observer(observer);
  }

 private:
  bool down() const { return fail_writes.load(); }
  std::mutex held_mu_;
  std::vector<std::pair<AttemptRecord, StoreCallback>> held_;  // guarded by held_mu_
  static Status fault() { return unavailable("injected fault: storage is down"); }
  std::unique_ptr<Store> inner_;
};

}  // namespace promptjang::testing
