// Fuzz target: `promptjang serve`'s configuration. The input is a TOML config
// file, read by the real reader (cli/config_file.h) into serve's real options
// (cli/serve_options.h, as cli/main.cc binds them), then checked by
// app/config.h's validate();
// the input is also given whole to the compound value parsers.
//
// Invariants:
//  - apply_config_file never throws and answers ok or InvalidArgument, whose
//    message names the file;
//  - a Config that validate() accepts is one the node can run: every duration
//    finite and in its documented range, parse_listen/parse_database_url/
//    parse_retry_schedule succeed on its fields, the in-flight caps ordered;
//    one it refuses gets an error naming the setting (its environment
//    variable among its spellings) and the value;
//  - parse_listen's host and port print back ("h:p", "[h]:p") to the same pair;
//  - parse_database_url names a non-empty target, PostgreSQL for postgres:// only;
//  - parse_retry_schedule gives at most 20 delays, each of 1 ms to a day, one
//    per comma-separated entry.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

#include "app/config.h"
#include "cli/config_file.h"
#include "cli/serve_options.h"
#include "fuzz/fuzz_check.h"

namespace promptjang {
namespace {

void check_listen(std::string_view s) {
  auto hp = parse_listen(s);
  if (!hp.is_ok()) {
    FUZZ_CHECK(hp.status().code() == StatusCode::kInvalidArgument, "parse_listen: %s",
               hp.status().to_string().c_str());
    return;
  }
  FUZZ_CHECK(!hp->host.empty(), "parse_listen accepted an empty host");
  const std::string printed =
      (hp->host.find(':') != std::string::npos ? "[" + hp->host + "]" : hp->host) + ":" +
      std::to_string(hp->port);
  auto again = parse_listen(printed);
  FUZZ_CHECK(again.is_ok() && again->host == hp->host && again->port == hp->port,
             "'%s' printed back as '%s' reads differently", std::string(s).c_str(),
             printed.c_str());
}

void check_database(std::string_view s) {
  auto d = parse_database_url(s);
  if (!d.is_ok()) return;
  FUZZ_CHECK(!d->target.empty(), "parse_database_url accepted an empty target");
  const bool pg = s.starts_with("postgres://") || s.starts_with("postgresql://");
  FUZZ_CHECK((d->kind == DatabaseUrl::Kind::kPostgres) == pg, "'%s' read as the wrong kind",
             std::string(s).c_str());
}

void check_schedule(std::string_view s) {
  auto r = parse_retry_schedule(s);
  if (!r.is_ok()) return;
  FUZZ_CHECK(r->size() <= 20, "%zu retry delays accepted", r->size());
  const size_t entries = s.empty() ? 0 : 1 + std::count(s.begin(), s.end(), ',');
  FUZZ_CHECK(r->size() == entries, "%zu delays from %zu entries of '%s'", r->size(), entries,
             std::string(s).c_str());
  for (auto d : *r)
    FUZZ_CHECK(d.count() >= 1 && d.count() <= 86'400'000, "retry delay of %lld ms from '%s'",
               static_cast<long long>(d.count()), std::string(s).c_str());
}

void check_valid_config(const Config& c) {
  FUZZ_CHECK(parse_listen(c.listen).is_ok() && parse_database_url(c.database).is_ok() &&
                 parse_retry_schedule(c.retry_schedule).is_ok(),
             "validate() passed a field its parser refuses");
  for (double d : {c.delivery_timeout_s, c.connect_timeout_s, c.lease_s, c.poll_interval_s,
                   c.rate_limit, c.rate_limit_burst})
    FUZZ_CHECK(std::isfinite(d) && d >= 0, "validate() passed the duration or rate %g", d);
  FUZZ_CHECK(c.delivery_timeout_s > 0 && c.delivery_timeout_s <= 300 && c.connect_timeout_s > 0 &&
                 c.connect_timeout_s <= c.delivery_timeout_s,
             "timeouts %g / %g", c.delivery_timeout_s, c.connect_timeout_s);
  FUZZ_CHECK(c.lease_s >= 1 && c.lease_s <= 3600, "lease %g", c.lease_s);
  FUZZ_CHECK(c.io_threads >= 1 && c.io_threads <= 64, "io threads %d", c.io_threads);
  FUZZ_CHECK(c.max_connections >= 1 && c.max_connections <= 1048576 && c.max_in_flight >= 1 &&
                 c.max_in_flight_per_endpoint >= 1 &&
                 c.max_in_flight_per_endpoint <= c.max_in_flight,
             "caps %zu %zu %zu", c.max_connections, c.max_in_flight, c.max_in_flight_per_endpoint);
  FUZZ_CHECK(c.http_client == "beast" || c.http_client == "curl", "client '%s'",
             c.http_client.c_str());
  FUZZ_CHECK(c.log_format == "logfmt" || c.log_format == "json", "log format '%s'",
             c.log_format.c_str());
  FUZZ_CHECK(c.ops_listen.empty() || parse_listen(c.ops_listen, "--ops-listen").is_ok(),
             "ops listen '%s'", c.ops_listen.c_str());
}

std::string temp_path() {
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir && *dir ? dir : "/tmp") + "/pj-config-fuzz-" + std::to_string(getpid()) +
         ".toml";
}

void check_file(std::string_view toml) {
  static const std::string path = temp_path();
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(toml.data(), static_cast<std::streamsize>(toml.size()));
  }
  CLI::App serve{"serve"};
  Config c;
  ServeFlags flags;
  bind_serve_options(serve, c, flags);
  Status s = Status::ok();
  try {
    s = apply_config_file(serve, path);
  } catch (const std::exception& e) {
    FUZZ_CHECK(false, "apply_config_file threw: %s", e.what());
  }
  FUZZ_CHECK(s.is_ok() || s.code() == StatusCode::kInvalidArgument, "apply_config_file: %s",
             s.to_string().c_str());
  if (!s.is_ok()) {
    FUZZ_CHECK(s.message().find(path) != std::string::npos, "the file is not named: %s",
               s.message().c_str());
    return;
  }
  apply_serve_flags(flags, c);
  Status valid = validate(c);
  if (valid.is_ok()) {
    check_valid_config(c);
  } else {
    FUZZ_CHECK(valid.message().find(" (PROMPTJANG_") != std::string::npos &&
                   valid.message().find(", got ") != std::string::npos,
               "validate()'s error names no setting or value: %s", valid.message().c_str());
  }
}

}  // namespace
}  // namespace promptjang

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 8192) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  promptjang::check_listen(text);
  promptjang::check_database(text);
  promptjang::check_schedule(text);
  promptjang::check_file(text);
  return 0;
}
