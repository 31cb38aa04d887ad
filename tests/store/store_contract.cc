// The contract fixture's helpers; see store_contract.h.
#include "store/store_contract.h"

#include <condition_variable>
#include <future>

namespace promptjang::testing {

void PrintTo(const StoreBackend& backend, std::ostream* os) { *os << backend.name; }

std::string StoreBackendName(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param.name;
}

void SeededRandom::fill(std::span<uint8_t> out) {
  std::lock_guard lock(mu_);
  for (auto& b : out) b = static_cast<uint8_t>(engine_());
}

std::vector<std::string> ids_of(const std::vector<Event>& events) {
  std::vector<std::string> ids;
  ids.reserve(events.size());
  for (const auto& e : events) ids.push_back(e.id);
  return ids;
}

void StoreContractTest::SetUp() {
  sut_ = GetParam().make();
  ASSERT_NE(sut_, nullptr);
  a_ = add_account("tenant-a");
  ep_a_ = add_endpoint(a_.id);
  b_ = add_account("tenant-b");
  ep_b_ = add_endpoint(b_.id);
}

void StoreContractTest::TearDown() { sut_.reset(); }

TimePoint StoreContractTest::tick() {
  clock_.advance(std::chrono::milliseconds(1));
  return clock_.now();
}

Account StoreContractTest::add_account(const std::string& name) {
  Account a{new_id(id_prefix::kAccount), name, "starter", tick()};
  EXPECT_TRUE(store().create_account(a)) << name;
  return a;
}

User StoreContractTest::add_user(const std::string& account_id, const std::string& email) {
  User u{new_id(id_prefix::kUser), account_id, email, "$argon2id$v=19$m=65536,t=2,p=1$x", tick()};
  EXPECT_TRUE(store().create_user(u)) << email;
  return u;
}

std::string StoreContractTest::new_session_hash() {
  // An id is distinct and sortable; padded to the 64 characters of a hex SHA-256.
  std::string h = new_id("h_");
  h.resize(64, '0');
  return h;
}

Session StoreContractTest::new_session(const User& user, Micros lifetime) {
  Session s;
  s.token_hash = new_session_hash();
  s.user_id = user.id;
  s.account_id = user.account_id;
  s.csrf_token = "csrf-" + s.token_hash.substr(0, 24);
  s.created_at = tick();
  s.expires_at = s.created_at + lifetime;
  return s;
}

Session StoreContractTest::add_session(const User& user, Micros lifetime) {
  Session s = new_session(user, lifetime);
  EXPECT_TRUE(store().create_session(s)) << user.email;
  return s;
}

Endpoint StoreContractTest::new_endpoint(const std::string& account_id) {
  Endpoint e;
  e.id = new_id(id_prefix::kEndpoint);
  e.account_id = account_id;
  e.url = "https://example.com/hooks/" + e.id;
  e.description = "orders";
  e.enabled = true;
  e.secret = "whsec_" + e.id;
  e.created_at = tick();
  e.updated_at = e.created_at;
  return e;
}

Endpoint StoreContractTest::add_endpoint(const std::string& account_id, bool enabled) {
  Endpoint e = new_endpoint(account_id);
  e.enabled = enabled;
  EXPECT_TRUE(store().create_endpoint(e));
  return e;
}

ApiKey StoreContractTest::new_api_key(const std::string& account_id, const std::string& name) {
  ApiKey k;
  k.id = new_id(id_prefix::kApiKey);
  k.account_id = account_id;
  k.name = name;
  k.prefix = "pj_live_" + k.id.substr(k.id.size() - 4);
  k.hash = "sha256-of-" + k.id;  // distinct per key; the store treats it as opaque
  k.created_at = tick();
  return k;
}

ApiKey StoreContractTest::add_api_key(const std::string& account_id, const std::string& name) {
  ApiKey k = new_api_key(account_id, name);
  EXPECT_TRUE(store().create_api_key(k));
  return k;
}

Event StoreContractTest::new_event(const Endpoint& endpoint, std::string payload,
                                   std::optional<std::string> type) {
  Event e;
  e.id = new_id(id_prefix::kEvent);
  e.account_id = endpoint.account_id;
  e.endpoint_id = endpoint.id;
  e.event_type = std::move(type);
  e.payload = std::move(payload);
  e.created_at = tick();
  return e;
}

Status StoreContractTest::insert(Event event) {
  // Shared: the store thread may still be inside set_value when get() returns.
  auto done = std::make_shared<std::promise<Status>>();
  auto result = done->get_future();
  store().insert_event(std::move(event), [done](Status st) { done->set_value(std::move(st)); });
  return result.get();
}

Event StoreContractTest::add_event(const Endpoint& endpoint, std::string payload,
                                   std::optional<std::string> type) {
  Event e = new_event(endpoint, std::move(payload), std::move(type));
  Status st = insert(e);
  EXPECT_TRUE(st) << st.to_string();
  return e;
}

Event StoreContractTest::add_event_in(const Endpoint& endpoint, EventStatus status, int attempts) {
  Event e = add_event(endpoint);
  if (status == EventStatus::kQueued) return e;
  for (int n = 1; n <= attempts; ++n) {
    const bool last = n == attempts;
    const EventStatus now_in = last ? status : EventStatus::kRetrying;
    std::optional<TimePoint> next;
    if (now_in == EventStatus::kRetrying) next = tick() + std::chrono::seconds(60);
    AttemptRecord r = failed_attempt(e.id, n, now_in, next);
    if (now_in == EventStatus::kDelivered) r.attempt.status_code = 200;
    Status st = record(std::move(r));
    EXPECT_TRUE(st) << st.to_string();
  }
  return e;
}

Status StoreContractTest::insert_all(const std::vector<Event>& events) {
  struct Pending {
    std::mutex mu;
    std::condition_variable cv;
    size_t left = 0;
    Status first_error;
  };
  auto pending = std::make_shared<Pending>();
  pending->left = events.size();
  for (const auto& e : events) {
    store().insert_event(e, [pending](const Status& st) {
      std::lock_guard lock(pending->mu);
      if (!st && pending->first_error.is_ok()) pending->first_error = st;
      if (--pending->left == 0) pending->cv.notify_all();
    });
  }
  std::unique_lock lock(pending->mu);
  pending->cv.wait(lock, [&] { return pending->left == 0; });
  return pending->first_error;
}

Status StoreContractTest::record(AttemptRecord record) {
  auto done = std::make_shared<std::promise<Status>>();
  auto result = done->get_future();
  store().record_attempt(std::move(record), [done](Status st) { done->set_value(std::move(st)); });
  return result.get();
}

Status StoreContractTest::release(const std::string& event_id) {
  auto done = std::make_shared<std::promise<Status>>();
  auto result = done->get_future();
  store().release_event(event_id, [done](Status st) { done->set_value(std::move(st)); });
  return result.get();
}

AttemptRecord StoreContractTest::failed_attempt(const std::string& event_id, int number,
                                                EventStatus status,
                                                std::optional<TimePoint> next_attempt_at) {
  AttemptRecord r;
  r.attempt.event_id = event_id;
  r.attempt.number = number;
  r.attempt.started_at = tick();
  r.attempt.duration_ms = 12;
  r.attempt.status_code = 500;
  r.attempt.response_headers = R"({"content-type":"text/plain"})";
  r.attempt.response_body = "boom";
  r.new_status = status;
  r.next_attempt_at = next_attempt_at;
  return r;
}

std::vector<std::string> StoreContractTest::claim(TimePoint now, int limit) {
  auto claimed = store().claim_due_events(
      ClaimRequest{now, now + std::chrono::seconds(30), limit, 1000000, {}, {}, {}});
  EXPECT_TRUE(claimed) << claimed.status().to_string();
  return claimed ? ids_of(*claimed) : std::vector<std::string>{};
}

std::vector<Event> StoreContractTest::list_all(EventFilter filter) {
  std::vector<Event> all;
  for (int pages = 0; pages < 1000; ++pages) {
    auto page = store().list_events(filter);
    EXPECT_TRUE(page) << page.status().to_string();
    if (!page) break;
    all.insert(all.end(), page->items.begin(), page->items.end());
    if (!page->next_cursor) break;
    filter.cursor = page->next_cursor;
  }
  return all;
}

}  // namespace promptjang::testing
