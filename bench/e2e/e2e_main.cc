// pj_bench_e2e: PromptJang's end-to-end delivery latency at a fixed offered rate,
// from the moment the client reads the 202 of POST /api/v1/e/{endpoint_id} to the
// moment the webhook reaches a receiver. Sender and receiver share this process
// and its steady clock, so no clock skew enters the figures.
//
//   pj_bench_e2e --server http://127.0.0.1:18090 --api-key pj_live_...
//       [--rate 1000] [--duration 10] [--receiver-host 127.0.0.1] [--receiver-port 0]
//       [--drain-timeout 30] [--payload-bytes 300] [--connections 64] [--json]
//
// The server under test must run with --allow-private-targets (the receiver is
// on loopback). Each run creates one endpoint ("bench e2e") and leaves it there.
//
// Threads: main (set-up, then polls the sender and the receiver every few ms into
// the Ledger, then reports); one sender thread (OpenLoopSender::run); the curl
// client's thread (ingest answers); the receiver's two I/O threads.
// Bounded: sending ends by --duration (+2 s if starved), the drain by
// --drain-timeout, and tear-down in about 2 s (the receiver's drain bound); the
// endpoint's creation waits at most 15 s.
// Exit codes: 0 when it measured (missing events are reported, not fatal), 2 on
// a bad flag, a receiver that cannot listen or an endpoint that cannot be
// created, 1 on an unexpected failure.
#include <chrono>
#include <exception>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "core/clock.h"
#include "core/log.h"
#include "delivery/curl_client.h"
#include "e2e/api_calls.h"
#include "e2e/bench_clock.h"
#include "e2e/ledger.h"
#include "e2e/load_sender.h"
#include "e2e/options.h"
#include "e2e/receiver.h"
#include "e2e/report.h"

namespace promptjang::bench {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(5);
constexpr auto kCreateEndpointWithin = std::chrono::seconds(15);

CurlClientOptions client_options(const Options& o) {
  CurlClientOptions c;
  c.allow_private_targets = true;  // the server under test is usually on loopback
  c.connect_timeout = std::chrono::seconds(5);
  c.total_timeout = std::chrono::seconds(10);
  c.max_total_connections = o.connections;
  c.user_agent = "pj_bench_e2e";
  return c;
}

int run(const Options& o) {
  std::shared_ptr<Logger> logger = make_stderr_logger("pj_bench_e2e", "warn");

  WebhookReceiver receiver(o.receiver_host, o.receiver_port, *logger);
  if (Status s = receiver.start(); !s) {
    std::cerr << "pj_bench_e2e: cannot start the receiver on " << o.receiver_host << ":"
              << o.receiver_port << ": " << s.to_string() << "\n";
    return 2;
  }

  // Declared before the client, so destroyed after it: the client completes its
  // pending sends, through the sender's callbacks, while being destroyed.
  std::unique_ptr<OpenLoopSender> sender;
  SystemClock clock;
  auto client = std::make_unique<CurlHttpClient>(client_options(o), clock, *logger);

  Result<std::string> endpoint =
      create_endpoint(*client, o.server, o.api_key, receiver.hook_url(), kCreateEndpointWithin);
  if (!endpoint) {
    std::cerr << "pj_bench_e2e: cannot create the endpoint (POST " << o.server
              << "/api/v1/endpoints): " << endpoint.status().to_string() << "\n";
    return 2;
  }

  OpenLoopSender::Plan plan;
  plan.ingest_url = o.server + "/api/v1/e/" + *endpoint;
  plan.api_key = o.api_key;
  plan.rate = o.rate;
  plan.duration_s = o.duration_s;
  plan.events = planned_events(o);
  plan.payload_bytes = o.payload_bytes;
  plan.connections = o.connections;
  sender = std::make_unique<OpenLoopSender>(plan, *client);
  std::cerr << "pj_bench_e2e: endpoint " << *endpoint << " -> " << receiver.hook_url()
            << "; sending " << plan.events << " events over " << o.duration_s << " s\n";

  Ledger ledger;
  std::optional<SteadyTime> drain_start;
  const auto drain_timeout = std::chrono::duration_cast<SteadyClock::duration>(
      std::chrono::duration<double>(o.drain_timeout_s));
  {
    std::jthread sending([&sender] { sender->run(); });
    for (;;) {
      ledger.add_acks(sender->take_acks());
      ledger.add_arrivals(receiver.take());
      const SenderCounters c = sender->counters();
      const SteadyTime now = SteadyClock::now();
      if (c.done) {
        if (!drain_start) drain_start = now;
        if (c.in_flight == 0 && ledger.matched() == ledger.acked()) break;
        if (now - *drain_start >= drain_timeout) break;
      }
      std::this_thread::sleep_for(kPollInterval);
    }
  }  // joins the sender thread (it is done)
  const double drain_seconds =
      std::chrono::duration<double>(SteadyClock::now() - *drain_start).count();

  client.reset();   // what is still in flight completes as "unanswered_at_exit"
  receiver.stop();  // no arrival is recorded after this
  ledger.add_acks(sender->take_acks());
  ledger.add_arrivals(receiver.take());

  const Summary summary =
      summarize(o, *endpoint, receiver.hook_url(), sender->counters(), ledger, drain_seconds);
  if (o.json) {
    print_json(std::cout, summary);
  } else {
    print_text(std::cout, summary);
  }
  return 0;
}

}  // namespace
}  // namespace promptjang::bench

int main(int argc, char** argv) {
  promptjang::bench::ParsedOptions parsed = promptjang::bench::parse_options(argc, argv);
  if (!parsed.options) return parsed.exit_code;
  try {
    return promptjang::bench::run(*parsed.options);
  } catch (const std::exception& e) {
    std::cerr << "pj_bench_e2e: " << e.what() << "\n";
    return 1;
  }
}
