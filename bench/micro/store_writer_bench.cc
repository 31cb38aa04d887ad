// Micro-benchmarks of the SQLite store's group-commit writer
// (store/sqlite/write_queue.h through SqliteStore): insert_event and
// record_attempt throughput on a real file with the store's own settings (WAL,
// synchronous=FULL, so every commit is an fsync). Each iteration submits a
// batch of 300 B events from 1 or more producer threads and waits for every
// callback (each runs after the commit that holds its write). Counters:
// events_per_commit shows how well group commit batches; the one-at-a-time
// benchmark is its baseline (one commit, one fsync, per event).
// Time is real time (the work happens on the store's writer thread); CPU is the
// whole process's, producers and writer together, so CPU / events is the CPU
// an event costs and Time - CPU is mostly waiting for fsync.
// The database lives in a fresh directory under $TMPDIR (or /tmp), removed at
// the end: the figures are those of that disk.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench_inputs.h"
#include "core/ids.h"
#include "core/log.h"
#include "crypto/secure_random.h"
#include "store/sqlite/sqlite_store.h"

namespace promptjang::bench {
namespace {

constexpr int kBatchEvents = 2000;  // writes submitted per iteration

// A SqliteStore on a fresh file in a temp directory, with one account and one
// endpoint for the events; the directory goes when the object does.
class ScratchStore {
 public:
  ScratchStore() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pj-micro-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      error_ = "mkdtemp failed";
      return;
    }
    dir_ = tmpl;
    auto store = SqliteStore::open(SqliteOptions{.path = (dir_ / "pj.db").string()}, *logger_);
    if (!store) {
      error_ = store.status().to_string();
      return;
    }
    store_ = std::move(*store);
    const TimePoint now = clock_.now();
    account_ = Account{ids_.next(id_prefix::kAccount), "bench", "starter", now};
    endpoint_.id = ids_.next(id_prefix::kEndpoint);
    endpoint_.account_id = account_.id;
    endpoint_.url = "https://example.com/webhooks";
    endpoint_.secret = endpoint_secret();
    endpoint_.created_at = endpoint_.updated_at = now;
    Status st = store_->create_account(account_);
    if (st) st = store_->create_endpoint(endpoint_);
    if (!st) error_ = st.to_string();
  }
  ~ScratchStore() {
    store_.reset();  // drains and closes before its files go
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  ScratchStore(const ScratchStore&) = delete;
  ScratchStore& operator=(const ScratchStore&) = delete;

  const std::string& error() const { return error_; }  // empty when usable
  SqliteStore& store() { return *store_; }

  // A new 300 B event of the endpoint, as ingest makes it.
  Event event(const std::string& payload) {
    Event e;
    e.id = ids_.next(id_prefix::kEvent);
    e.account_id = account_.id;
    e.endpoint_id = endpoint_.id;
    e.event_type = "order.paid";
    e.payload = payload;
    e.created_at = clock_.now();
    return e;
  }

 private:
  std::filesystem::path dir_;
  std::string error_;
  std::shared_ptr<Logger> logger_ = make_null_logger();
  SystemClock clock_;
  SecureRandom random_;
  IdGenerator ids_{clock_, random_};
  std::unique_ptr<SqliteStore> store_;
  Account account_;
  Endpoint endpoint_;
};

// Counts the callbacks of one batch; shared with them so that it outlives the
// last one. Failures are kept for the benchmark to report.
struct Completion {
  explicit Completion(int n) : pending(n) {}
  std::latch pending;
  std::atomic<int> failures{0};
  StoreCallback callback(std::shared_ptr<Completion> self) {
    return [self = std::move(self)](Status st) {
      if (!st) self->failures.fetch_add(1, std::memory_order_relaxed);
      self->pending.count_down();
    };
  }
};

// Runs submit(i) for i in [0, n) split over `producers` threads, and waits for
// every callback. Returns the number of failed writes.
template <typename Submit>
int run_batch(int n, int producers, Submit submit) {
  auto done = std::make_shared<Completion>(n);
  {
    std::vector<std::jthread> threads;
    threads.reserve(static_cast<size_t>(producers));
    for (int p = 0; p < producers; ++p) {
      threads.emplace_back([&, p] {
        for (int i = p; i < n; i += producers) submit(i, done->callback(done));
      });
    }
  }
  done->pending.wait();
  return done->failures.load();
}

void report_commits(benchmark::State& state, uint64_t commits, int64_t writes) {
  state.SetItemsProcessed(writes);
  state.counters["commits"] = static_cast<double>(commits);
  state.counters["events_per_commit"] =
      commits ? static_cast<double>(writes) / static_cast<double>(commits) : 0.0;
}

// insert_event throughput: kBatchEvents 300 B events per iteration from
// range(0) producer threads. Building the events (ids, payload copies) is not
// timed; submitting them and waiting for their commits is. A batch holds at
// most SqliteOptions::max_batch (1024) writes, so events_per_commit tops out
// near kBatchEvents / ceil(kBatchEvents / 1024).
void BM_InsertEvent(benchmark::State& state) {
  const int producers = static_cast<int>(state.range(0));
  ScratchStore s;
  if (!s.error().empty()) {
    state.SkipWithError(s.error().c_str());
    return;
  }
  const std::string payload = json_body(static_cast<size_t>(kSmallBody));
  const uint64_t commits_before = s.store().commit_count();
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<Event> events;
    events.reserve(kBatchEvents);
    for (int i = 0; i < kBatchEvents; ++i) events.push_back(s.event(payload));
    state.ResumeTiming();
    const int failures = run_batch(kBatchEvents, producers, [&](int i, StoreCallback done) {
      s.store().insert_event(std::move(events[static_cast<size_t>(i)]), std::move(done));
    });
    if (failures) {
      state.SkipWithError("insert_event failed");
      break;
    }
  }
  report_commits(state, s.store().commit_count() - commits_before,
                 state.iterations() * kBatchEvents);
}
BENCHMARK(BM_InsertEvent)
    ->ArgName("producers")
    ->Arg(1)
    ->Arg(4)
    ->MinTime(1.0)
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// The baseline without group commit: one insert_event at a time, each waited
// for, so each event pays a whole transaction and its fsync.
void BM_InsertEventOneAtATime(benchmark::State& state) {
  ScratchStore s;
  if (!s.error().empty()) {
    state.SkipWithError(s.error().c_str());
    return;
  }
  const std::string payload = json_body(static_cast<size_t>(kSmallBody));
  const uint64_t commits_before = s.store().commit_count();
  for (auto _ : state) {
    const int failures = run_batch(1, 1, [&](int, StoreCallback done) {
      s.store().insert_event(s.event(payload), std::move(done));
    });
    if (failures) {
      state.SkipWithError("insert_event failed");
      break;
    }
  }
  report_commits(state, s.store().commit_count() - commits_before, state.iterations());
}
BENCHMARK(BM_InsertEventOneAtATime)
    ->MinTime(0.5)
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// record_attempt throughput: a failed attempt (HTTP 500, RETRYING) for each of
// kBatchEvents stored events per iteration, from range(0) producer threads;
// iteration k records attempt k + 1 of every event (an insert into attempts and
// an update of the event, as the dispatcher does).
void BM_RecordAttempt(benchmark::State& state) {
  const int producers = static_cast<int>(state.range(0));
  ScratchStore s;
  if (!s.error().empty()) {
    state.SkipWithError(s.error().c_str());
    return;
  }
  const std::string payload = json_body(static_cast<size_t>(kSmallBody));
  std::vector<std::string> ids;
  ids.reserve(kBatchEvents);
  const int seeded = run_batch(kBatchEvents, 1, [&](int, StoreCallback done) {
    Event e = s.event(payload);
    ids.push_back(e.id);
    s.store().insert_event(std::move(e), std::move(done));
  });
  if (seeded) {
    state.SkipWithError("insert_event failed while seeding");
    return;
  }
  const uint64_t commits_before = s.store().commit_count();
  int number = 0;
  for (auto _ : state) {
    ++number;
    const TimePoint now = from_unix_micros(1'717'245'296'000'000 + number * 60'000'000LL);
    const int failures = run_batch(kBatchEvents, producers, [&](int i, StoreCallback done) {
      AttemptRecord r;
      r.attempt.event_id = ids[static_cast<size_t>(i)];
      r.attempt.number = number;
      r.attempt.started_at = now;
      r.attempt.duration_ms = 120;
      r.attempt.status_code = 500;
      r.attempt.response_headers = R"({"content-type":"text/plain"})";
      r.attempt.response_body = "internal error";
      r.new_status = EventStatus::kRetrying;
      r.next_attempt_at = now + std::chrono::minutes(1);
      s.store().record_attempt(std::move(r), std::move(done));
    });
    if (failures) {
      state.SkipWithError("record_attempt failed");
      break;
    }
  }
  report_commits(state, s.store().commit_count() - commits_before,
                 state.iterations() * kBatchEvents);
}
BENCHMARK(BM_RecordAttempt)
    ->ArgName("producers")
    ->Arg(1)
    ->Arg(4)
    ->MinTime(1.0)
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace promptjang::bench
