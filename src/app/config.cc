// Config parsing; see config.h.
#include "app/config.h"

#include <charconv>
#include <cmath>

#include "app/setting_error.h"

namespace promptjang {

Result<HostPort> parse_listen(std::string_view s, std::string_view setting) {
  auto bad = [&] { return setting_error(setting, "must be HOST:PORT (e.g. 127.0.0.1:8080)", s); };
  HostPort hp;
  std::string_view port;
  if (!s.empty() && s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':')
      return bad();
    hp.host = std::string(s.substr(1, close - 1));
    port = s.substr(close + 2);
  } else {
    auto colon = s.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return bad();
    hp.host = std::string(s.substr(0, colon));
    port = s.substr(colon + 1);
  }
  unsigned v = 0;
  auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
  if (ec != std::errc() || p != port.data() + port.size() || v > 65535 || hp.host.empty())
    return bad();
  // A host name or IP address: printable ASCII without brackets, slashes or
  // spaces ("a b:80", "x]:80" and a whole file's text were taken; found by
  // tests/fuzz/config_fuzz).
  for (unsigned char c : hp.host)
    if (c <= ' ' || c >= 0x7f || c == '[' || c == ']' || c == '/') return bad();
  hp.port = static_cast<uint16_t>(v);
  return hp;
}

Result<DatabaseUrl> parse_database_url(std::string_view s) {
  DatabaseUrl d;
  if (s.starts_with("postgres://") || s.starts_with("postgresql://")) {
    d.kind = DatabaseUrl::Kind::kPostgres;
    d.target = std::string(s);
    return d;
  }
  if (s.starts_with("sqlite://")) {
    d.target = std::string(s.substr(9));  // sqlite:///abs -> /abs
  } else if (s.starts_with("sqlite:")) {
    d.target = std::string(s.substr(7));
  } else if (s.find("://") == std::string_view::npos) {
    d.target = std::string(s);  // a bare path
  } else {
    return setting_error("--database", "must be sqlite:PATH or postgres://...", s);
  }
  if (d.target.empty()) return setting_error("--database", "must name a SQLite file", s);
  return d;
}

Result<std::vector<std::chrono::milliseconds>> parse_retry_schedule(std::string_view s) {
  std::vector<std::chrono::milliseconds> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t comma = s.find(',', i);
    if (comma == std::string_view::npos) comma = s.size();
    std::string item(s.substr(i, comma - i));
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    while (!item.empty() && item.back() == ' ') item.pop_back();
    char* end = nullptr;
    double v = item.empty() ? -1 : std::strtod(item.c_str(), &end);
    // A delay that rounds to 0 ms is refused too ("0.0001" was taken; found by
    // tests/fuzz/config_fuzz).
    if (item.empty() || end != item.c_str() + item.size() || !std::isfinite(v) || v <= 0 ||
        v > 86400 || std::llround(v * 1000) < 1)
      return setting_error("--retry-schedule",
                           "must be seconds separated by commas, each 0.001 to 86400 (not " +
                               shown_value(item) + ")",
                           s);
    out.emplace_back(static_cast<int64_t>(std::llround(v * 1000)));
    i = comma + 1;
  }
  // "60," is as malformed as "60,,120" (it was taken as "60").
  if (!s.empty() && s.back() == ',')
    return setting_error("--retry-schedule", "must not end with a comma", s);
  if (out.size() > 20)
    return setting_error("--retry-schedule",
                         "must have at most 20 entries (it has " + std::to_string(out.size()) + ")",
                         s);
  return out;
}

Status validate(const Config& c) {
  PJ_RETURN_IF_ERROR(parse_listen(c.listen, "--listen"));
  if (!c.ops_listen.empty()) PJ_RETURN_IF_ERROR(parse_listen(c.ops_listen, "--ops-listen"));
  PJ_RETURN_IF_ERROR(parse_database_url(c.database));
  PJ_RETURN_IF_ERROR(parse_retry_schedule(c.retry_schedule));
  // Each comparison is written so that NaN fails it ("--rate-limit nan" read
  // as no limit, "inf" as a bucket that never empties; found by
  // tests/fuzz/config_fuzz).
  if (!(c.delivery_timeout_s > 0 && c.delivery_timeout_s <= 300))
    return setting_error("--delivery-timeout", "must be more than 0 and at most 300 seconds",
                         c.delivery_timeout_s);
  if (!(c.connect_timeout_s > 0 && c.connect_timeout_s <= c.delivery_timeout_s))
    return setting_error("--connect-timeout",
                         "must be more than 0 and at most --delivery-timeout (" +
                             shown_value(c.delivery_timeout_s) + " seconds)",
                         c.connect_timeout_s);
  if (!(c.lease_s >= 1 && c.lease_s <= 3600))
    return setting_error("--lease", "must be 1 to 3600 seconds", c.lease_s);
  if (!(c.poll_interval_s == 0 || (c.poll_interval_s >= 0.05 && c.poll_interval_s <= 3600)))
    return setting_error("--poll-interval", "must be 0 (automatic) or 0.05 to 3600 seconds",
                         c.poll_interval_s);
  if (c.io_threads < 1 || c.io_threads > 64)
    return setting_error("--io-threads", "must be 1 to 64", c.io_threads);
  // At most Linux's default cap on a process's open files (fs.nr_open); CLI11
  // reads "-1" for a size_t as 2^64 - 1, which this refuses too.
  if (c.max_connections < 1 || c.max_connections > 1048576)
    return setting_error("--max-connections", "must be 1 to 1048576", c.max_connections);
  if (c.max_in_flight < 1 || c.max_in_flight > 100000)
    return setting_error("--max-in-flight", "must be 1 to 100000", c.max_in_flight);
  if (c.max_in_flight_per_endpoint < 1 || c.max_in_flight_per_endpoint > c.max_in_flight)
    return setting_error("--max-in-flight-per-endpoint",
                         "must be 1 to --max-in-flight (" + std::to_string(c.max_in_flight) + ")",
                         c.max_in_flight_per_endpoint);
  if (c.http_client != "beast" && c.http_client != "curl")
    return setting_error("--http-client", "must be beast or curl", c.http_client);
  if (!(c.rate_limit >= 0 && std::isfinite(c.rate_limit)))
    return setting_error("--rate-limit", "must be 0 (no limit) or more, and finite", c.rate_limit);
  if (!(c.rate_limit_burst >= 0 && std::isfinite(c.rate_limit_burst)))
    return setting_error("--rate-limit-burst", "must be 0 (one second's worth) or more, and finite",
                         c.rate_limit_burst);
  if (c.log_format != "logfmt" && c.log_format != "json")
    return setting_error("--log-format", "must be logfmt or json", c.log_format);
  for (auto l : {"trace", "debug", "info", "warn", "error", "critical", "off"})
    if (c.log_level == l) return Status::ok();
  return setting_error("--log-level", "must be one of trace, debug, info, warn, error, off",
                       c.log_level);
}

}  // namespace promptjang
