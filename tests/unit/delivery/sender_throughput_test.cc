// A throughput sanity check of both clients, not a test (DISABLED_: run it with
// --gtest_also_run_disabled_tests --gtest_filter='*Throughput*'): 20,000 POSTs
// of a webhook-sized body, 64 in flight, to a loopback HttpServer; prints
// requests/s and the CPU time per request of the client thread (getrusage
// RUSAGE_THREAD, read in the callbacks, which run on it; every send after the
// first 64 is made from a callback too) and of the whole process (receiver
// included). The first 1,000 answers are a warm-up and not counted.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <string>

#include "unit/delivery/sender_fixture.h"

namespace promptjang::testing {
namespace {

double cpu_us(const rusage& u) {
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e6 +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

TEST_P(SenderTest, DISABLED_Throughput) {
  constexpr int kTotal = 20000;
  constexpr int kInFlight = 64;
  constexpr int kWarmUp = 1000;
  LoopbackReceiver receiver;
  const OutboundRequest request{
      receiver.url("/hooks/in"),
      {{"Content-Type", "application/json"},
       {"User-Agent", "PromptJang/0.1.0"},
       {"webhook-id", "evt_2Yd9nJw3Xq7mK1pL0aZs"},
       {"webhook-timestamp", "1700000000"},
       {"webhook-signature", "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="}},
      R"({"type":"order.created","timestamp":"2024-01-01T00:00:00Z","data":{"id":"ord_1234567890",)"
      R"("amount":4200,"currency":"EUR","customer":{"id":"cus_42","email":"a@example.com"}}})"};

  struct State {
    std::atomic<int> sent{0};
    std::atomic<int> done{0};
    std::atomic<int> ok{0};
    rusage thread_begin{}, thread_end{}, process_begin{}, process_end{};
    std::chrono::steady_clock::time_point begin, end;
    std::promise<void> finished;
  };
  auto state = std::make_shared<State>();
  HttpClient& http = client();
  std::function<void()> send_one;
  send_one = [&, state] {
    http.send(request, [&, state](OutboundResult r) {
      const int n = ++state->done;
      if (r.status_code == 200) ++state->ok;
      if (n == kWarmUp) {
        getrusage(RUSAGE_THREAD, &state->thread_begin);
        getrusage(RUSAGE_SELF, &state->process_begin);
        state->begin = std::chrono::steady_clock::now();
      }
      if (n == kTotal) {
        getrusage(RUSAGE_THREAD, &state->thread_end);
        getrusage(RUSAGE_SELF, &state->process_end);
        state->end = std::chrono::steady_clock::now();
        state->finished.set_value();
      }
      if (state->sent.fetch_add(1) < kTotal) send_one();
    });
  };
  auto finished = state->finished.get_future();
  for (int i = 0; i < kInFlight; ++i)
    if (state->sent.fetch_add(1) < kTotal) send_one();
  ASSERT_EQ(finished.wait_for(std::chrono::seconds(120)), std::future_status::ready);
  client_.reset();  // no callback runs past this point

  const double counted = kTotal - kWarmUp;
  const double seconds = std::chrono::duration<double>(state->end - state->begin).count();
  std::printf(
      "[%s] %d POSTs, %d in flight: %.0f requests/s, client thread %.1f us CPU/request, "
      "process (receiver included) %.1f us CPU/request\n",
      GetParam().name.c_str(), kTotal, kInFlight, counted / seconds,
      (cpu_us(state->thread_end) - cpu_us(state->thread_begin)) / counted,
      (cpu_us(state->process_end) - cpu_us(state->process_begin)) / counted);
  EXPECT_EQ(state->ok.load(), kTotal);
}

}  // namespace
}  // namespace promptjang::testing
