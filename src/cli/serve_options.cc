// serve's options; see serve_options.h.
#include "cli/serve_options.h"

#include <cstdlib>

#include "app/setting_error.h"

namespace promptjang {

CLI::Option* bind_database_option(CLI::App& cmd, std::string& url) {
  return cmd.add_option("--database", url, "sqlite:PATH or postgres://...")
      ->envname("PROMPTJANG_DATABASE")
      ->capture_default_str();
}

void bind_master_key_options(CLI::App& cmd, MasterKeySettings& settings) {
  cmd.add_option("--master-key-file", settings.file,
                 "File holding the master key that seals endpoint secrets at rest (base64 of "
                 "32 bytes); or set PROMPTJANG_MASTER_KEY to the key itself")
      ->envname("PROMPTJANG_MASTER_KEY_FILE");
  cmd.add_option("--previous-master-key-file", settings.previous_file,
                 "While rotating the master key: file holding the key it replaces (or set "
                 "PROMPTJANG_PREVIOUS_MASTER_KEY)")
      ->envname("PROMPTJANG_PREVIOUS_MASTER_KEY_FILE");
}

void read_master_keys_from_environment(MasterKeySettings& settings) {
  if (const char* key = std::getenv("PROMPTJANG_MASTER_KEY")) settings.value = key;
  if (const char* key = std::getenv("PROMPTJANG_PREVIOUS_MASTER_KEY"))
    settings.previous_value = key;
}

void bind_serve_options(CLI::App& serve, Config& config, ServeFlags& flags) {
  serve
      .add_option("--config", flags.config_path,
                  "TOML file with the same settings (listen = \"...\")")
      ->envname("PROMPTJANG_CONFIG");
  serve.add_option("--listen", config.listen, "HOST:PORT to listen on")
      ->envname("PROMPTJANG_LISTEN")
      ->capture_default_str();
  bind_database_option(serve, config.database);
  bind_master_key_options(serve, config.master_key);
  serve.add_option("--retry-schedule", config.retry_schedule, "Retry delays in seconds")
      ->envname("PROMPTJANG_RETRY_SCHEDULE")
      ->capture_default_str();
  serve.add_option("--delivery-timeout", config.delivery_timeout_s, "Seconds per attempt")
      ->envname("PROMPTJANG_DELIVERY_TIMEOUT")
      ->capture_default_str();
  serve.add_option("--connect-timeout", config.connect_timeout_s, "Seconds to connect")
      ->envname("PROMPTJANG_CONNECT_TIMEOUT")
      ->capture_default_str();
  serve
      .add_option("--lease", config.lease_s,
                  "Seconds a claimed event stays this node's unless renewed (renewed every "
                  "third of it while held; a dead node's work returns after it)")
      ->envname("PROMPTJANG_LEASE")
      ->capture_default_str();
  serve
      .add_option("--poll-interval", config.poll_interval_s,
                  "Seconds between safety polls for due work; 0: 1 on SQLite, 5 on PostgreSQL "
                  "(nodes announce work to each other with LISTEN/NOTIFY)")
      ->envname("PROMPTJANG_POLL_INTERVAL")
      ->capture_default_str();
  serve
      .add_flag("--allow-private-targets", config.allow_private_targets,
                "Allow deliveries to private and loopback addresses (local use)")
      ->envname("PROMPTJANG_ALLOW_PRIVATE_TARGETS");
  serve
      .add_option("--http-client", config.http_client,
                  "The sender of deliveries: beast (Boost.Beast, default) or curl (libcurl)")
      ->envname("PROMPTJANG_HTTP_CLIENT")
      ->capture_default_str();
  serve.add_option("--log-level", config.log_level, "trace|debug|info|warn|error|off")
      ->envname("PROMPTJANG_LOG_LEVEL")
      ->capture_default_str();
  serve
      .add_option("--log-format", config.log_format,
                  "logfmt or json: one line per log entry, per request and per attempt")
      ->envname("PROMPTJANG_LOG_FORMAT")
      ->capture_default_str();
  serve
      .add_option("--ops-listen", config.ops_listen,
                  "HOST:PORT serving only /healthz, /readyz and /metrics (then /metrics is "
                  "served only there); default: all on --listen")
      ->envname("PROMPTJANG_OPS_LISTEN");
  serve.add_option("--io-threads", config.io_threads, "HTTP I/O threads")
      ->envname("PROMPTJANG_IO_THREADS")
      ->capture_default_str();
  serve.add_option("--max-connections", config.max_connections, "Open connection cap")
      ->envname("PROMPTJANG_MAX_CONNECTIONS")
      ->capture_default_str();
  serve
      .add_flag("--no-delivery", flags.no_delivery,
                "Serve the API only; deliveries are made by other nodes")
      ->envname("PROMPTJANG_NO_DELIVERY");
  serve.add_option("--max-in-flight", config.max_in_flight, "Concurrent delivery attempts")
      ->envname("PROMPTJANG_MAX_IN_FLIGHT")
      ->capture_default_str();
  serve
      .add_option("--max-in-flight-per-endpoint", config.max_in_flight_per_endpoint,
                  "Concurrent delivery attempts per endpoint")
      ->envname("PROMPTJANG_MAX_IN_FLIGHT_PER_ENDPOINT")
      ->capture_default_str();
  serve
      .add_option("--rate-limit", config.rate_limit,
                  "Requests per second per API key (0 = no limit)")
      ->envname("PROMPTJANG_RATE_LIMIT")
      ->capture_default_str();
  serve
      .add_option("--rate-limit-burst", config.rate_limit_burst,
                  "Burst per API key (0 = one second's worth)")
      ->envname("PROMPTJANG_RATE_LIMIT_BURST")
      ->capture_default_str();
  serve.add_flag("--no-retention", flags.no_retention, "Do not delete events past their retention")
      ->envname("PROMPTJANG_NO_RETENTION");
  serve
      .add_flag("--no-bootstrap", flags.no_bootstrap,
                "Do not create an account, user and key on first start")
      ->envname("PROMPTJANG_NO_BOOTSTRAP");
}

void apply_serve_flags(const ServeFlags& flags, Config& config) {
  config.delivery = !flags.no_delivery;
  config.retention = !flags.no_retention;
  config.bootstrap = !flags.no_bootstrap;
}

Status unreadable_value(const CLI::Option& option, std::string_view value) {
  const std::string type = option.get_type_name();
  std::string rule = "must be a value of type " + type;
  if (option.get_expected_max() == 0)
    rule = "must be true or false";  // a flag: no type of its own
  else if (type == "FLOAT")
    rule = "must be a number";
  else if (type == "INT")
    rule = "must be a whole number";
  else if (type == "UINT")
    rule = "must be a whole number, 0 or more";
  return setting_error(option.get_name(), rule, value);
}

std::string explain_parse_error(const CLI::App& serve, const CLI::ParseError& error) {
  // CLI11 2.1 words a value it cannot convert "Could not convert: --NAME = VALUE".
  static constexpr std::string_view kPrefix = "Could not convert: ";
  std::string_view message = error.what();
  if (!message.starts_with(kPrefix)) return std::string(message);
  std::string_view rest = message.substr(kPrefix.size());
  const size_t equals = rest.find(" = ");
  if (equals == std::string_view::npos) return std::string(message);
  const CLI::Option* option = serve.get_option_no_throw(std::string(rest.substr(0, equals)));
  if (!option) return std::string(message);
  return unreadable_value(*option, rest.substr(equals + 3)).message();
}

}  // namespace promptjang
