// Config parsing; see config.h.
#include "app/config.h"

#include <charconv>
#include <cmath>

namespace promptjang {

Result<HostPort> parse_listen(std::string_view s, std::string_view setting) {
  auto bad = [&] {
    return invalid_argument(std::string(setting) +
                            " must be HOST:PORT (e.g. 127.0.0.1:8080), got '" + std::string(s) +
                            "'");
  };
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
    return invalid_argument("--database must be sqlite:PATH or postgres://..., got '" +
                            std::string(s) + "'");
  }
  if (d.target.empty()) return invalid_argument("--database names no SQLite file");
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
      return invalid_argument("--retry-schedule takes seconds > 0 separated by commas, got '" +
                              std::string(s) + "'");
    out.emplace_back(static_cast<int64_t>(std::llround(v * 1000)));
    i = comma + 1;
  }
  // "60," is as malformed as "60,,120" (it was taken as "60").
  if (!s.empty() && s.back() == ',')
    return invalid_argument("--retry-schedule ends with a comma: '" + std::string(s) + "'");
  if (out.size() > 20) return invalid_argument("--retry-schedule has more than 20 entries");
  return out;
}

Status validate(const Config& c) {
  PJ_RETURN_IF_ERROR(parse_listen(c.listen));
  if (!c.ops_listen.empty()) PJ_RETURN_IF_ERROR(parse_listen(c.ops_listen, "--ops-listen"));
  PJ_RETURN_IF_ERROR(parse_database_url(c.database));
  PJ_RETURN_IF_ERROR(parse_retry_schedule(c.retry_schedule));
  if (!(c.delivery_timeout_s > 0 && c.delivery_timeout_s <= 300))
    return invalid_argument("--delivery-timeout must be in (0, 300] seconds");
  if (!(c.connect_timeout_s > 0 && c.connect_timeout_s <= c.delivery_timeout_s))
    return invalid_argument("--connect-timeout must be > 0 and at most --delivery-timeout");
  if (!(c.lease_s >= 1 && c.lease_s <= 3600))
    return invalid_argument("--lease must be 1 to 3600 seconds");
  if (!(c.poll_interval_s == 0 || (c.poll_interval_s >= 0.05 && c.poll_interval_s <= 3600)))
    return invalid_argument("--poll-interval must be 0 (automatic) or 0.05 to 3600 seconds");
  if (c.io_threads < 1 || c.io_threads > 64)
    return invalid_argument("--io-threads must be 1 to 64");
  if (c.max_connections < 1) return invalid_argument("--max-connections must be at least 1");
  if (c.max_in_flight < 1 || c.max_in_flight > 100000)
    return invalid_argument("--max-in-flight must be 1 to 100000");
  if (c.max_in_flight_per_endpoint < 1 || c.max_in_flight_per_endpoint > c.max_in_flight)
    return invalid_argument("--max-in-flight-per-endpoint must be 1 to --max-in-flight");
  if (c.http_client != "beast" && c.http_client != "curl")
    return invalid_argument("--http-client must be beast or curl");
  // Written so that NaN fails too ("--rate-limit nan" read as no limit, "inf"
  // as a bucket that never empties; found by tests/fuzz/config_fuzz).
  if (!(c.rate_limit >= 0 && std::isfinite(c.rate_limit)) ||
      !(c.rate_limit_burst >= 0 && std::isfinite(c.rate_limit_burst)))
    return invalid_argument("--rate-limit and --rate-limit-burst must be finite and not negative");
  if (c.log_format != "logfmt" && c.log_format != "json")
    return invalid_argument("--log-format must be logfmt or json, got '" + c.log_format + "'");
  for (auto l : {"trace", "debug", "info", "warn", "error", "critical", "off"})
    if (c.log_level == l) return Status::ok();
  return invalid_argument("--log-level must be one of trace, debug, info, warn, error, off");
}

}  // namespace promptjang
