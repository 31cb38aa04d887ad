// Options of pj_bench_e2e: the flags, their defaults and their checks.
//
// parse_options() reads argv with CLI11 and validates every value, so the rest of
// the tool may trust an Options it is given. Plain values; no threads involved.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace promptjang::bench {

struct Options {
  std::string server;  // http(s)://host:port of the PromptJang under test, no trailing '/'
  std::string api_key;
  double rate = 1000;      // events per second, open loop
  double duration_s = 10;  // sending phase
  std::string receiver_host = "127.0.0.1";
  uint16_t receiver_port = 0;  // 0 = any free port
  double drain_timeout_s = 30;
  size_t payload_bytes = 300;
  size_t connections = 64;  // ingest requests in flight, at most
  bool json = false;
};

// The options, or the exit code to end with at once: 0 after --help, 2 after a
// bad flag (the message is already on stderr).
struct ParsedOptions {
  std::optional<Options> options;
  int exit_code = 0;
};
ParsedOptions parse_options(int argc, char** argv);

// Events the sending phase schedules: one every 1/rate seconds in [0, duration).
uint64_t planned_events(const Options& o);

}  // namespace promptjang::bench
