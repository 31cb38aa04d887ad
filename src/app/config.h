// Config: every setting of `promptjang serve` (SPEC §10), and the parsers of its
// compound values. cli/ fills it from flags, PROMPTJANG_* environment variables
// and a TOML file (in that order of precedence); app/ fails fast on a bad value,
// with an error that names the setting in all three spellings and the value it
// got (app/setting_error.h). Plain values; thread-safe to read.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "app/master_key.h"
#include "core/status.h"

namespace promptjang {

struct Config {
  std::string listen = "127.0.0.1:8080";
  std::string database = "sqlite:./data/promptjang.db";
  std::string retry_schedule = "60,120,240,480,960";
  double delivery_timeout_s = 15;
  double connect_timeout_s = 5;
  // How long a claimed event stays this node's without a renewal; renewed
  // every third of it while held, so it bounds only how soon a dead node's
  // work goes to the others.
  double lease_s = 30;
  // Seconds between the dispatcher's safety polls for due work it was not told
  // of; 0: 1 s on SQLite, 5 s over PostgreSQL (where nodes announce work to
  // each other with LISTEN/NOTIFY, so the poll only catches what was missed).
  double poll_interval_s = 0;
  bool allow_private_targets = false;
  std::string http_client = "beast";  // the sender: beast (default) or curl (libcurl)
  std::string log_level = "info";
  std::string log_format = "logfmt";  // logfmt or json: one line per entry either way
  // HOST:PORT for a second listener serving only /healthz, /readyz and
  // /metrics (and then /metrics only there); empty: all on `listen`.
  std::string ops_listen;
  int io_threads = 2;
  size_t max_connections = 10000;
  bool bootstrap = true;                   // create an account, owner and key on first start
  bool delivery = true;                    // false: serve the API only (another node delivers)
  size_t max_in_flight = 512;              // concurrent delivery attempts, in total
  size_t max_in_flight_per_endpoint = 16;  // ... and per endpoint
  double rate_limit = 0;                   // requests per second per API key; 0 = off
  double rate_limit_burst = 0;             // bucket size; 0 = one second's worth
  bool retention = true;                   // run the retention sweeper
  MasterKeySettings master_key{};          // seals endpoint secrets at rest; none: plaintext
};

struct HostPort {
  std::string host;
  uint16_t port = 0;
};
// "127.0.0.1:8080", "[::1]:8080", "localhost:0". `setting` is the flag of the
// setting the error names ("--listen", "--ops-listen").
Result<HostPort> parse_listen(std::string_view s, std::string_view setting = "--listen");

struct DatabaseUrl {
  enum class Kind { kSqlite, kPostgres };
  Kind kind = Kind::kSqlite;
  std::string target;  // the SQLite file path, or the PostgreSQL URL as given
};
// "sqlite:./data/x.db", "sqlite:///abs/x.db", "postgres://..." / "postgresql://...".
Result<DatabaseUrl> parse_database_url(std::string_view s);

// "60,120,240,480,960" or "0.2,0.2": seconds, decimals allowed, each at least
// 1 ms once rounded to milliseconds and at most a day; at most 20 entries. An
// empty schedule means no retries.
Result<std::vector<std::chrono::milliseconds>> parse_retry_schedule(std::string_view s);

// Fails fast on a bad value of any field: InvalidArgument naming the first
// bad setting, what it takes and its value.
Status validate(const Config& c);

}  // namespace promptjang
