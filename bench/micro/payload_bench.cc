// Micro-benchmarks of ingest's body checks (api/payload.h): every ingested event
// is parsed as JSON once (validate_payload, a full Boost.JSON DOM parse) and its
// Content-Type checked (is_json_media_type). Shows the parse rate on 300 B,
// 64 KiB and 2 MiB bodies and what a rejected body costs.
#include <benchmark/benchmark.h>

#include <string>

#include "api/payload.h"
#include "bench_inputs.h"

namespace promptjang::bench {
namespace {

// validate_payload on a valid event body: parse, find "event", copy it out.
// The DOM is about 6 times the body (some 12 MB for 2 MiB), so the 2 MiB case
// is likely memory-bound: its figure moves with the machine's other load.
void BM_ValidatePayload(benchmark::State& state) {
  const std::string body = json_body(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    auto type = validate_payload(body);
    if (!type) {
      state.SkipWithError(type.status().to_string().c_str());
      break;
    }
    benchmark::DoNotOptimize(*type);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ValidatePayload)->Arg(kSmallBody)->Arg(kLargeBody)->Arg(kHugeBody);

// validate_payload on a 300 B body cut short by its last byte: the parser reads
// all of it before failing, and the error path builds its message.
void BM_ValidatePayloadInvalid(benchmark::State& state) {
  std::string body = json_body(static_cast<size_t>(kSmallBody));
  body.pop_back();
  for (auto _ : state) {
    auto type = validate_payload(body);
    if (type) {
      state.SkipWithError("a truncated body was accepted");
      break;
    }
    benchmark::DoNotOptimize(type);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_ValidatePayloadInvalid);

// is_json_media_type on the Content-Types ingest sees: the bare type, one with
// a charset, and one it rejects. Nanoseconds: never a bottleneck.
void BM_IsJsonMediaType(benchmark::State& state) {
  static constexpr std::string_view kTypes[] = {
      "application/json", "Application/JSON; charset=utf-8", "text/plain; charset=utf-8"};
  static constexpr bool kExpected[] = {true, true, false};
  const std::string_view type = kTypes[state.range(0)];
  state.SetLabel(std::string(type));
  for (auto _ : state) {
    bool ok = is_json_media_type(type);
    if (ok != kExpected[state.range(0)]) {
      state.SkipWithError("unexpected answer");
      break;
    }
    benchmark::DoNotOptimize(ok);
  }
}
BENCHMARK(BM_IsJsonMediaType)->DenseRange(0, 2);

}  // namespace
}  // namespace promptjang::bench
