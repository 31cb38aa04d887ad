// Contract: events (store/store.h): ingest, byte-exact payloads, reads,
// pagination, filters, tenant isolation and concurrent ingest.
#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "store/store_contract.h"

namespace promptjang::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST_P(StoreContractTest, InsertedEventIsQueuedAndDueAtOnce) {
  Event e = new_event(ep_a_, R"({"event":"order.created","data":{"id":1}})", "order.created");
  e.idempotency_key = "req-42";
  e.request_id = "req_01abc";
  ASSERT_TRUE(insert(e));
  auto got = store().get_event(a_.id, e.id);
  ASSERT_TRUE(got) << got.status().to_string();
  EXPECT_EQ(got->id, e.id);
  EXPECT_EQ(got->account_id, a_.id);
  EXPECT_EQ(got->endpoint_id, ep_a_.id);
  EXPECT_EQ(got->event_type, "order.created");
  EXPECT_EQ(got->status, EventStatus::kQueued);
  EXPECT_EQ(got->payload, e.payload);
  EXPECT_EQ(got->created_at, e.created_at);
  EXPECT_EQ(got->next_attempt_at, e.created_at);
  EXPECT_EQ(got->attempt_count, 0);
  EXPECT_EQ(got->idempotency_key, "req-42");
  EXPECT_EQ(got->request_id, "req_01abc");
  EXPECT_THAT(got->attempts, IsEmpty());
}

// For /metrics: every status counted, zeros included, every account's.
TEST_P(StoreContractTest, CountsEventsByStatus) {
  auto none = store().count_events_by_status();
  ASSERT_TRUE(none) << none.status().to_string();
  for (int64_t n : none->by_status) EXPECT_EQ(n, 0);
  add_event(ep_a_);
  add_event(ep_a_);
  add_event(ep_b_);
  add_event_in(ep_a_, EventStatus::kDelivered);
  add_event_in(ep_b_, EventStatus::kExpired, 6);
  auto counts = store().count_events_by_status();
  ASSERT_TRUE(counts) << counts.status().to_string();
  EXPECT_EQ(counts->by_status[static_cast<int>(EventStatus::kQueued)], 3);
  EXPECT_EQ(counts->by_status[static_cast<int>(EventStatus::kRetrying)], 0);
  EXPECT_EQ(counts->by_status[static_cast<int>(EventStatus::kDelivered)], 1);
  EXPECT_EQ(counts->by_status[static_cast<int>(EventStatus::kFailed)], 0);
  EXPECT_EQ(counts->by_status[static_cast<int>(EventStatus::kExpired)], 1);
}

// For /metrics: each committed write transaction is told, with its writes.
TEST_P(StoreContractTest, TellsTheCommitObserverOfEachCommit) {
  struct Observer : CommitObserver {
    void on_commit(size_t writes, std::chrono::microseconds took) noexcept override {
      commits.fetch_add(1);
      total.fetch_add(writes);
      if (took.count() < 0) negative = true;
    }
    std::atomic<int> commits{0};
    std::atomic<size_t> total{0};
    std::atomic<bool> negative{false};
  } observer;
  store().set_commit_observer(&observer);
  for (int i = 0; i < 5; ++i) add_event(ep_a_);
  store().flush();
  store().set_commit_observer(nullptr);
  EXPECT_GE(observer.commits.load(), 1);
  EXPECT_LE(observer.commits.load(), 5);
  EXPECT_EQ(observer.total.load(), 5u);  // every insert, in however many commits
  EXPECT_FALSE(observer.negative.load());
  add_event(ep_a_);  // no longer told
  store().flush();
  EXPECT_EQ(observer.total.load(), 5u);
}

TEST_P(StoreContractTest, InsertKeepsAnExplicitNextAttemptAtAndAMissingType) {
  Event e = new_event(ep_a_, "[]", std::nullopt);
  e.next_attempt_at = e.created_at + std::chrono::seconds(30);
  ASSERT_TRUE(insert(e));
  auto got = store().get_event(a_.id, e.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->next_attempt_at, e.next_attempt_at);
  EXPECT_FALSE(got->event_type);
  EXPECT_FALSE(got->idempotency_key);
}

TEST_P(StoreContractTest, PayloadComesBackByteForByte) {
  constexpr char kNul[] = "{\"a\":\"x\0y\",\"b\":\0}";
  constexpr char kNotUtf8[] = "\xff\xfe not even UTF-8 \x80";
  std::string big(2'097'152, ' ');  // the pro plan's limit, mostly spaces
  big.front() = '[';
  big.back() = ']';
  const std::vector<std::string> payloads = {
      std::string(kNul, sizeof kNul - 1),
      "{\"name\":\"Zoë Ünïcødé 東京 🚀\",\"emoji\":\"\xF0\x9F\x98\x80\"}",
      "  {\t\"odd\" :\r\n  [ 1 ,2,\n\n 3 ]  }  \n",
      "{\"big\":123456789012345678901234567890,\"z\":1,\"a\":2}",
      std::string(kNotUtf8, sizeof kNotUtf8 - 1),
      "",
      big,
  };
  std::vector<std::string> ids;
  for (const auto& p : payloads) ids.push_back(add_event(ep_a_, p).id);
  for (size_t i = 0; i < payloads.size(); ++i) {
    auto got = store().get_event(a_.id, ids[i]);
    ASSERT_TRUE(got) << got.status().to_string();
    EXPECT_EQ(got->payload.size(), payloads[i].size()) << "payload " << i;
    EXPECT_TRUE(got->payload == payloads[i]) << "payload " << i;
  }
  auto listed = list_all(Filter(a_.id).limit(1000));
  ASSERT_EQ(listed.size(), payloads.size());
  for (size_t i = 0; i < payloads.size(); ++i) {
    EXPECT_TRUE(listed[payloads.size() - 1 - i].payload == payloads[i]) << "listed payload " << i;
  }
}

TEST_P(StoreContractTest, DuplicateEventIdIsAlreadyExists) {
  Event e = add_event(ep_a_, R"({"n":1})");
  Event again = e;
  again.payload = R"({"n":2})";
  EXPECT_EQ(insert(again).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store().get_event(a_.id, e.id)->payload, R"({"n":1})");
}

TEST_P(StoreContractTest, EventOfForeignOrUnknownEndpointIsRefused) {
  Event foreign = new_event(ep_a_);
  foreign.account_id = b_.id;  // B sending to A's endpoint
  EXPECT_EQ(insert(foreign).code(), StatusCode::kNotFound);
  Event unknown = new_event(ep_a_);
  unknown.endpoint_id = new_id(id_prefix::kEndpoint);
  EXPECT_EQ(insert(unknown).code(), StatusCode::kNotFound);
  EXPECT_THAT(list_all(Filter(b_.id)), IsEmpty());
}

TEST_P(StoreContractTest, ForeignOrMissingEventIsNotFound) {
  Event e = add_event(ep_a_);
  EXPECT_EQ(store().get_event(b_.id, e.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().get_event(a_.id, new_id(id_prefix::kEvent)).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store().get_event(a_.id, "").status().code(), StatusCode::kNotFound);
}

TEST_P(StoreContractTest, ListPaginates120EventsNewestFirstWithoutGapsOrOverlap) {
  std::vector<Event> events;
  for (int i = 0; i < 120; ++i) events.push_back(new_event(ep_a_));
  const std::vector<std::string> inserted = ids_of(events);
  // Submitted together, committed in batches: the pages must not care.
  ASSERT_TRUE(insert_all(events));

  EventFilter filter = Filter(a_.id).limit(50);
  std::vector<std::string> seen;
  std::vector<size_t> sizes;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = store().list_events(filter);
    ASSERT_TRUE(page) << page.status().to_string();
    sizes.push_back(page->items.size());
    for (const auto& e : page->items) seen.push_back(e.id);
    if (!page->next_cursor) break;
    filter.cursor = page->next_cursor;
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{50, 50, 20}));
  std::vector<std::string> newest_first(inserted.rbegin(), inserted.rend());
  EXPECT_EQ(seen, newest_first);  // no gap, no overlap, newest first
}

TEST_P(StoreContractTest, ListClampsTheLimit) {
  for (int i = 0; i < 3; ++i) add_event(ep_a_);
  auto one = store().list_events(Filter(a_.id).limit(0));
  ASSERT_TRUE(one);
  EXPECT_EQ(one->items.size(), 1u);
  EXPECT_TRUE(one->next_cursor);
  auto all = store().list_events(Filter(a_.id).limit(100'000));
  ASSERT_TRUE(all);
  EXPECT_EQ(all->items.size(), 3u);
  EXPECT_FALSE(all->next_cursor);
}

TEST_P(StoreContractTest, ListRejectsAnInvalidCursorAndAMissingAccount) {
  add_event(ep_a_);
  for (const char* cursor : {"garbage", "", "evt_", "ep_01hzzzzzzzzzzzzzzzzzzzzzzz"}) {
    auto page = store().list_events(Filter(a_.id).cursor(cursor));
    EXPECT_EQ(page.status().code(), StatusCode::kInvalidArgument) << "'" << cursor << "'";
  }
  EXPECT_EQ(store().list_events(EventFilter{}).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(StoreContractTest, ListShowsOnlyTheTenantsEventsWithoutAttempts) {
  Event a1 = add_event(ep_a_);
  Event b1 = add_event(ep_b_);
  Event a2 = add_event(ep_a_);
  ASSERT_TRUE(record(failed_attempt(a2.id, 1, EventStatus::kRetrying, tick())));
  auto listed = list_all(Filter(a_.id));
  EXPECT_THAT(ids_of(listed), ElementsAre(a2.id, a1.id));
  for (const auto& e : listed) EXPECT_THAT(e.attempts, IsEmpty());
  EXPECT_THAT(ids_of(list_all(Filter(b_.id))), ElementsAre(b1.id));
  // B naming A's endpoint sees nothing.
  EXPECT_THAT(list_all(Filter(b_.id).endpoint(ep_a_.id)), IsEmpty());
}

TEST_P(StoreContractTest, ListFiltersByStatus) {
  Event queued = add_event(ep_a_);
  Event retrying = add_event(ep_a_);
  Event delivered = add_event(ep_a_);
  Event expired = add_event(ep_a_);
  ASSERT_TRUE(record(failed_attempt(retrying.id, 1, EventStatus::kRetrying, tick())));
  AttemptRecord ok = failed_attempt(delivered.id, 1, EventStatus::kDelivered, std::nullopt);
  ok.attempt.status_code = 200;
  ASSERT_TRUE(record(ok));
  ASSERT_TRUE(record(failed_attempt(expired.id, 1, EventStatus::kExpired, std::nullopt)));
  auto with = [&](EventStatus s) { return ids_of(list_all(Filter(a_.id).status(s))); };
  EXPECT_THAT(with(EventStatus::kQueued), ElementsAre(queued.id));
  EXPECT_THAT(with(EventStatus::kRetrying), ElementsAre(retrying.id));
  EXPECT_THAT(with(EventStatus::kDelivered), ElementsAre(delivered.id));
  EXPECT_THAT(with(EventStatus::kExpired), ElementsAre(expired.id));
  EXPECT_THAT(with(EventStatus::kFailed), IsEmpty());
}

TEST_P(StoreContractTest, ListFiltersByEndpointAndEventType) {
  Endpoint other = add_endpoint(a_.id);
  Event e1 = add_event(ep_a_, R"({"event":"order.created"})", "order.created");
  Event e2 = add_event(other, R"({"event":"order.created"})", "order.created");
  Event e3 = add_event(ep_a_, R"({"event":"order.paid"})", "order.paid");
  Event e4 = add_event(ep_a_, "{}", std::nullopt);
  EXPECT_THAT(ids_of(list_all(Filter(a_.id).endpoint(ep_a_.id))), ElementsAre(e4.id, e3.id, e1.id));
  EXPECT_THAT(ids_of(list_all(Filter(a_.id).endpoint(other.id))), ElementsAre(e2.id));
  EXPECT_THAT(ids_of(list_all(Filter(a_.id).type("order.created"))), ElementsAre(e2.id, e1.id));
  EXPECT_THAT(ids_of(list_all(Filter(a_.id).endpoint(ep_a_.id).type("order.created"))),
              ElementsAre(e1.id));
  EXPECT_THAT(list_all(Filter(a_.id).type("nope")), IsEmpty());
}

TEST_P(StoreContractTest, ListFiltersByTimeRangeSinceInclusiveUntilExclusive) {
  std::vector<Event> events;
  for (int i = 0; i < 6; ++i) events.push_back(add_event(ep_a_));
  const TimePoint since = events[1].created_at;
  const TimePoint until = events[4].created_at;
  EXPECT_THAT(ids_of(list_all(Filter(a_.id).since(since).until(until))),
              ElementsAre(events[3].id, events[2].id, events[1].id));
  EXPECT_THAT(ids_of(list_all(Filter(a_.id).since(until))),
              ElementsAre(events[5].id, events[4].id));
  EXPECT_THAT(ids_of(list_all(Filter(a_.id).until(since))), ElementsAre(events[0].id));
}

TEST_P(StoreContractTest, FiltersCombineAcrossPages) {
  Endpoint other = add_endpoint(a_.id);
  std::vector<std::string> want;
  for (int i = 0; i < 25; ++i) {
    Event e = add_event(i % 2 == 0 ? ep_a_ : other, "{}", i % 3 == 0 ? "x" : "y");
    if (i % 2 == 0 && i % 3 == 0) want.insert(want.begin(), e.id);
  }
  EXPECT_EQ(ids_of(list_all(Filter(a_.id).endpoint(ep_a_.id).type("x").limit(2))), want);
}

TEST_P(StoreContractTest, ConcurrentInsertsAllSucceedAndAreReadable) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  std::vector<std::vector<std::string>> ids(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Event e = new_event(t % 2 == 0 ? ep_a_ : ep_b_, "{\"t\":" + std::to_string(t) + "}");
        ids[t].push_back(e.id);
        if (!insert(std::move(e))) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  std::set<std::string> listed;
  for (const auto& account : {a_.id, b_.id}) {
    for (const auto& e : list_all(Filter(account).limit(1000))) {
      listed.insert(e.id);
    }
  }
  EXPECT_EQ(listed.size(), static_cast<size_t>(kThreads * kPerThread));
  for (int t = 0; t < kThreads; ++t) {
    for (const auto& id : ids[t]) {
      ASSERT_TRUE(listed.count(id)) << id;
      ASSERT_TRUE(store().get_event(t % 2 == 0 ? a_.id : b_.id, id)) << id;
    }
  }
}

TEST_P(StoreContractTest, FlushReturnsOnceEarlierWritesAreVisible) {
  std::vector<std::string> ids;
  for (int i = 0; i < 50; ++i) {
    Event e = new_event(ep_a_);
    ids.push_back(e.id);
    store().insert_event(std::move(e), [](const Status&) {});
  }
  store().flush();
  for (const auto& id : ids) EXPECT_TRUE(store().get_event(a_.id, id)) << id;
}

}  // namespace
}  // namespace promptjang::testing
