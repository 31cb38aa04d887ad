// Micro-benchmarks of webhook signing (crypto/signature.h, delivery/signer.h):
// what each delivery attempt pays to sign its body, and what a receiver pays to
// verify it. Sizes: a 300 B event, 64 KiB and 2 MiB bodies (bytes/s is the HMAC
// rate; at 300 B the fixed costs dominate).
#include <benchmark/benchmark.h>

#include <chrono>
#include <string>

#include "bench_inputs.h"
#include "crypto/signature.h"
#include "delivery/signer.h"

namespace promptjang::bench {
namespace {

constexpr int64_t kTimestamp = 1'717'245'296;  // webhook-timestamp, seconds

void body_sizes(benchmark::internal::Benchmark* b) {
  b->Arg(kSmallBody)->Arg(kLargeBody)->Arg(kHugeBody);
}

// X-PromptJang-Signature: hex HMAC-SHA256 keyed with the secret string. Shows
// the cost per attempt and the HMAC throughput on big bodies.
void BM_SignHex(benchmark::State& state) {
  const std::string secret = endpoint_secret();
  const std::string body = json_body(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    std::string sig = sign_hex(secret, body);
    benchmark::DoNotOptimize(sig);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_SignHex)->Apply(body_sizes);

// webhook-signature (Standard Webhooks): base64-decodes the secret, builds
// "id.timestamp.body" (a copy of the body) and HMACs it. Against BM_SignHex it
// shows what the key decoding and the message copy add.
void BM_SignStandard(benchmark::State& state) {
  const std::string secret = endpoint_secret();
  const std::string id = event_id();
  const std::string body = json_body(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    auto sig = sign_standard(secret, id, kTimestamp, body);
    if (!sig) {
      state.SkipWithError(sig.status().to_string().c_str());
      break;
    }
    benchmark::DoNotOptimize(*sig);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_SignStandard)->Apply(body_sizes);

// verify_hex on a header holding the right signature: the receiver's side
// (`promptjang listen`), one HMAC plus a constant-time compare.
void BM_VerifyHex(benchmark::State& state) {
  const std::string secret = endpoint_secret();
  const std::string body = json_body(static_cast<size_t>(state.range(0)));
  const std::string header = sign_hex(secret, body);
  for (auto _ : state) {
    bool ok = verify_hex(secret, body, header);
    if (!ok) {
      state.SkipWithError("verify_hex rejected its own signature");
      break;
    }
    benchmark::DoNotOptimize(ok);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_VerifyHex)->Apply(body_sizes);

// verify_standard on a header holding the right "v1,..." signature: one
// sign_standard plus a constant-time compare.
void BM_VerifyStandard(benchmark::State& state) {
  const std::string secret = endpoint_secret();
  const std::string id = event_id();
  const std::string body = json_body(static_cast<size_t>(state.range(0)));
  auto header = sign_standard(secret, id, kTimestamp, body);
  if (!header) {
    state.SkipWithError(header.status().to_string().c_str());
    return;
  }
  for (auto _ : state) {
    bool ok = verify_standard(secret, id, kTimestamp, body, *header);
    if (!ok) {
      state.SkipWithError("verify_standard rejected its own signature");
      break;
    }
    benchmark::DoNotOptimize(ok);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_VerifyStandard)->Apply(body_sizes);

// delivery_headers: the whole header set of one attempt (two HMACs over the
// body, three during a secret rotation, plus the header strings). Arg 0 is the
// body size, arg 1 whether a previous secret still signs (rotation).
void BM_DeliveryHeaders(benchmark::State& state) {
  Event event;
  event.id = event_id();
  event.account_id = "acct_01hzx3k5v9m2c8d4e6f0g1h2jk";
  event.endpoint_id = "ep_01hzx3k5v9m2c8d4e6f0g1h2jk";
  event.event_type = "order.paid";
  event.payload = json_body(static_cast<size_t>(state.range(0)));
  const TimePoint now = from_unix_micros(kTimestamp * 1'000'000);
  Endpoint endpoint;
  endpoint.id = event.endpoint_id;
  endpoint.account_id = event.account_id;
  endpoint.url = "https://example.com/webhooks";
  endpoint.secret = endpoint_secret();
  if (state.range(1)) {
    endpoint.previous_secret = "whsec_9xq0mNQ2m3ZTp1bqS6l0cF3dWv4sKc8RZ2y5Jt7hYUA=";
    endpoint.previous_secret_expires_at = now + std::chrono::hours(1);
  }
  const std::string user_agent = "PromptJang/0.1.0";
  for (auto _ : state) {
    HeaderList headers = delivery_headers(event, endpoint, 3, now, user_agent);
    benchmark::DoNotOptimize(headers);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_DeliveryHeaders)
    ->ArgNames({"bytes", "rotation"})
    ->Args({kSmallBody, 0})
    ->Args({kSmallBody, 1})
    ->Args({kLargeBody, 0});

}  // namespace
}  // namespace promptjang::bench
