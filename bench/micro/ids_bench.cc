// Micro-benchmarks of id generation (core/ids.h) as production makes them:
// IdGenerator::next with the system clock and the OpenSSL CSPRNG. One id per
// ingested event. Single-threaded it shows the base cost (a fresh random draw
// once per millisecond, an increment otherwise); with two threads, what the
// generator's mutex costs when ingest threads share it.
#include <benchmark/benchmark.h>

#include <string>

#include "core/clock.h"
#include "core/ids.h"
#include "crypto/secure_random.h"

namespace promptjang::bench {
namespace {

// One generator shared by all threads of the benchmark, as the server shares one.
IdGenerator& shared_generator() {
  static SystemClock clock;
  static SecureRandom random;
  static IdGenerator ids(clock, random);
  return ids;
}

// Real time: with ->Threads(2), items/s is the total rate of both threads.
void BM_IdGeneratorNext(benchmark::State& state) {
  IdGenerator& ids = shared_generator();
  for (auto _ : state) {
    std::string id = ids.next(id_prefix::kEvent);
    benchmark::DoNotOptimize(id);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_IdGeneratorNext)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
}  // namespace promptjang::bench
