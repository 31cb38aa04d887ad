// WorkerPool: tasks run off the caller's thread, the queue is bounded, a task
// that throws does not end its thread, and stop() discards what still waits.
#include "api/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

namespace promptjang {
namespace {

using namespace std::chrono_literals;

class WorkerPoolTest : public ::testing::Test {
 protected:
  std::shared_ptr<Logger> logger = make_null_logger();
};

TEST_F(WorkerPoolTest, RunsTasksOnItsOwnThread) {
  WorkerPool pool(1, 8, *logger);
  std::promise<std::thread::id> ran;
  ASSERT_TRUE(pool.try_post([&] { ran.set_value(std::this_thread::get_id()); }));
  auto f = ran.get_future();
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  EXPECT_NE(f.get(), std::this_thread::get_id());
}

TEST_F(WorkerPoolTest, QueueIsBoundedAndStopDiscardsWhatWaits) {
  WorkerPool pool(1, 2, *logger);
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::promise<void> started;
  std::atomic<int> ran{0};
  ASSERT_TRUE(pool.try_post([&] {
    started.set_value();
    gate.wait();
    ++ran;
  }));
  ASSERT_EQ(started.get_future().wait_for(10s), std::future_status::ready);
  // The thread is busy: two may wait, the third is refused.
  EXPECT_TRUE(pool.try_post([&] { ++ran; }));
  EXPECT_TRUE(pool.try_post([&] { ++ran; }));
  EXPECT_FALSE(pool.try_post([&] { ++ran; }));

  EXPECT_EQ(pool.queued(), 2u);

  std::thread stopper([&] { pool.stop(); });
  // The worker is held at the gate, so only stop() can empty the queue.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (pool.queued() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  release.set_value();
  stopper.join();
  EXPECT_EQ(ran.load(), 1) << "the running task finished; the queued ones were discarded";
  EXPECT_FALSE(pool.try_post([&] { ++ran; })) << "refused once stopped";
  pool.stop();  // idempotent
}

TEST_F(WorkerPoolTest, ATaskThatThrowsDoesNotEndTheThread) {
  WorkerPool pool(1, 8, *logger);
  ASSERT_TRUE(pool.try_post([] { throw std::runtime_error("boom"); }));
  std::promise<void> ran;
  ASSERT_TRUE(pool.try_post([&] { ran.set_value(); }));
  EXPECT_EQ(ran.get_future().wait_for(10s), std::future_status::ready);
}

}  // namespace
}  // namespace promptjang
