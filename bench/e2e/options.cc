// Flag parsing for pj_bench_e2e (CLI11, as src/cli/main.cc does). Every value is
// checked here, so a bad flag ends the tool with exit code 2 before anything
// starts. No threads involved.
#include "e2e/options.h"

#include <CLI/CLI.hpp>
#include <cmath>
#include <iostream>

namespace promptjang::bench {

namespace {

// Past this the per-event records alone would take gigabytes.
constexpr double kMaxPlannedEvents = 50'000'000;
constexpr size_t kMaxPayloadBytes = 2 * 1024 * 1024;  // the pro plan's limit (SPEC §1)
constexpr size_t kMaxConnections = 10'000;

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// An empty string when `o` is usable, else what is wrong with it.
std::string check(Options& o) {
  while (!o.server.empty() && o.server.back() == '/') o.server.pop_back();
  if (!starts_with(o.server, "http://") && !starts_with(o.server, "https://")) {
    return "--server must be an http:// or https:// URL, e.g. http://127.0.0.1:8080";
  }
  if (o.server.find('/', o.server.find("//") + 2) != std::string::npos) {
    return "--server takes the server's root URL only (scheme, host and port)";
  }
  if (o.api_key.empty()) return "--api-key must not be empty";
  if (!(o.rate > 0) || !std::isfinite(o.rate)) return "--rate must be a positive number";
  if (!(o.duration_s > 0) || !std::isfinite(o.duration_s)) {
    return "--duration must be a positive number of seconds";
  }
  if (!(o.drain_timeout_s >= 0) || !std::isfinite(o.drain_timeout_s)) {
    return "--drain-timeout must be zero or a positive number of seconds";
  }
  if (o.rate * o.duration_s > kMaxPlannedEvents) {
    return "--rate x --duration plans more than 50,000,000 events";
  }
  if (o.connections < 1 || o.connections > kMaxConnections) {
    return "--connections must be between 1 and 10000";
  }
  if (o.payload_bytes > kMaxPayloadBytes) return "--payload-bytes must be at most 2097152";
  if (o.receiver_host.empty()) return "--receiver-host must not be empty";
  return "";
}

}  // namespace

ParsedOptions parse_options(int argc, char** argv) {
  Options o;
  CLI::App app{
      "End-to-end delivery latency of PromptJang at a fixed offered rate: from the 202 of "
      "POST /api/v1/e/{endpoint_id} to the webhook's arrival at an in-process receiver",
      "pj_bench_e2e"};
  app.add_option("--server", o.server, "PromptJang's root URL, e.g. http://127.0.0.1:8080")
      ->required();
  app.add_option("--api-key", o.api_key, "API key (pj_live_...)")
      ->envname("PROMPTJANG_API_KEY")
      ->required();
  app.add_option("--rate", o.rate, "Events per second, open loop")->capture_default_str();
  app.add_option("--duration", o.duration_s, "Seconds of sending")->capture_default_str();
  app.add_option("--receiver-host", o.receiver_host, "IP address the receiver listens on")
      ->capture_default_str();
  app.add_option("--receiver-port", o.receiver_port, "Receiver port (0 = any free one)")
      ->capture_default_str();
  app.add_option("--drain-timeout", o.drain_timeout_s,
                 "Seconds to wait, after sending, for every acknowledged event to arrive")
      ->capture_default_str();
  app.add_option("--payload-bytes", o.payload_bytes, "Size of each event's JSON body")
      ->capture_default_str();
  app.add_option("--connections", o.connections, "Ingest requests in flight, at most")
      ->capture_default_str();
  app.add_flag("--json", o.json, "Print one JSON object");

  ParsedOptions out;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help or the error
    out.exit_code = code == 0 ? 0 : 2;
    return out;
  }
  if (std::string err = check(o); !err.empty()) {
    std::cerr << "pj_bench_e2e: " << err << "\n";
    out.exit_code = 2;
    return out;
  }
  out.options = std::move(o);
  return out;
}

uint64_t planned_events(const Options& o) {
  // Send i goes at i / rate; those before `duration` are planned. The epsilon
  // keeps 1000/s x 10 s at 10000 despite rounding.
  return static_cast<uint64_t>(std::ceil(o.rate * o.duration_s - 1e-9));
}

}  // namespace promptjang::bench
