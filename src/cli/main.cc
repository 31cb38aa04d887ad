// promptjang: the command line (SPEC §10). Parses flags, PROMPTJANG_* environment
// variables and a TOML config file with CLI11 (flags win over the environment,
// which wins over the file), then runs one subcommand.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "cli/commands.h"
#include "cli/config_file.h"

using promptjang::Config;

namespace {

constexpr const char* kDefaultDatabase = "sqlite:./data/promptjang.db";

CLI::Option* database_option(CLI::App* cmd, std::string& db) {
  return cmd->add_option("--database", db, "sqlite:PATH or postgres://...")
      ->envname("PROMPTJANG_DATABASE")
      ->capture_default_str();
}

// The keys themselves are read from the environment only (see app/master_key.h).
void master_key_options(CLI::App* cmd, promptjang::MasterKeySettings& settings) {
  cmd->add_option("--master-key-file", settings.file,
                  "File holding the master key that seals endpoint secrets at rest (base64 of "
                  "32 bytes); or set PROMPTJANG_MASTER_KEY to the key itself")
      ->envname("PROMPTJANG_MASTER_KEY_FILE");
  cmd->add_option("--previous-master-key-file", settings.previous_file,
                  "While rotating the master key: file holding the key it replaces (or set "
                  "PROMPTJANG_PREVIOUS_MASTER_KEY)")
      ->envname("PROMPTJANG_PREVIOUS_MASTER_KEY_FILE");
}

void master_keys_from_environment(promptjang::MasterKeySettings& settings) {
  if (const char* key = std::getenv("PROMPTJANG_MASTER_KEY")) settings.value = key;
  if (const char* key = std::getenv("PROMPTJANG_PREVIOUS_MASTER_KEY"))
    settings.previous_value = key;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"PromptJang: webhook delivery you can trust", "promptjang"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("promptjang ") + PJ_VERSION);

  Config config;
  CLI::App* serve = app.add_subcommand("serve", "Run the server (API, dashboard, delivery)");
  std::string config_path;
  serve->add_option("--config", config_path, "TOML file with the same settings (listen = \"...\")")
      ->envname("PROMPTJANG_CONFIG");
  serve->add_option("--listen", config.listen, "HOST:PORT to listen on")
      ->envname("PROMPTJANG_LISTEN")
      ->capture_default_str();
  database_option(serve, config.database);
  master_key_options(serve, config.master_key);
  serve->add_option("--retry-schedule", config.retry_schedule, "Retry delays in seconds")
      ->envname("PROMPTJANG_RETRY_SCHEDULE")
      ->capture_default_str();
  serve->add_option("--delivery-timeout", config.delivery_timeout_s, "Seconds per attempt")
      ->envname("PROMPTJANG_DELIVERY_TIMEOUT")
      ->capture_default_str();
  serve->add_option("--connect-timeout", config.connect_timeout_s, "Seconds to connect")
      ->envname("PROMPTJANG_CONNECT_TIMEOUT")
      ->capture_default_str();
  serve
      ->add_option("--lease", config.lease_s,
                   "Seconds a claimed event stays this node's unless renewed (renewed every "
                   "third of it while held; a dead node's work returns after it)")
      ->envname("PROMPTJANG_LEASE")
      ->capture_default_str();
  serve
      ->add_option("--poll-interval", config.poll_interval_s,
                   "Seconds between safety polls for due work; 0: 1 on SQLite, 5 on PostgreSQL "
                   "(nodes announce work to each other with LISTEN/NOTIFY)")
      ->envname("PROMPTJANG_POLL_INTERVAL")
      ->capture_default_str();
  serve
      ->add_flag("--allow-private-targets", config.allow_private_targets,
                 "Allow deliveries to private and loopback addresses (local use)")
      ->envname("PROMPTJANG_ALLOW_PRIVATE_TARGETS");
  serve
      ->add_option("--http-client", config.http_client,
                   "The sender of deliveries: beast (Boost.Beast, default) or curl (libcurl)")
      ->envname("PROMPTJANG_HTTP_CLIENT")
      ->capture_default_str();
  serve->add_option("--log-level", config.log_level, "trace|debug|info|warn|error|off")
      ->envname("PROMPTJANG_LOG_LEVEL")
      ->capture_default_str();
  serve
      ->add_option("--log-format", config.log_format,
                   "logfmt or json: one line per log entry, per request and per attempt")
      ->envname("PROMPTJANG_LOG_FORMAT")
      ->capture_default_str();
  serve
      ->add_option("--ops-listen", config.ops_listen,
                   "HOST:PORT serving only /healthz, /readyz and /metrics (then /metrics is "
                   "served only there); default: all on --listen")
      ->envname("PROMPTJANG_OPS_LISTEN");
  serve->add_option("--io-threads", config.io_threads, "HTTP I/O threads")
      ->envname("PROMPTJANG_IO_THREADS")
      ->capture_default_str();
  serve->add_option("--max-connections", config.max_connections, "Open connection cap")
      ->envname("PROMPTJANG_MAX_CONNECTIONS")
      ->capture_default_str();
  bool no_delivery = false;
  serve
      ->add_flag("--no-delivery", no_delivery,
                 "Serve the API only; deliveries are made by other nodes")
      ->envname("PROMPTJANG_NO_DELIVERY");
  serve->add_option("--max-in-flight", config.max_in_flight, "Concurrent delivery attempts")
      ->envname("PROMPTJANG_MAX_IN_FLIGHT")
      ->capture_default_str();
  serve
      ->add_option("--max-in-flight-per-endpoint", config.max_in_flight_per_endpoint,
                   "Concurrent delivery attempts per endpoint")
      ->envname("PROMPTJANG_MAX_IN_FLIGHT_PER_ENDPOINT")
      ->capture_default_str();
  serve
      ->add_option("--rate-limit", config.rate_limit,
                   "Requests per second per API key (0 = no limit)")
      ->envname("PROMPTJANG_RATE_LIMIT")
      ->capture_default_str();
  serve
      ->add_option("--rate-limit-burst", config.rate_limit_burst,
                   "Burst per API key (0 = one second's worth)")
      ->envname("PROMPTJANG_RATE_LIMIT_BURST")
      ->capture_default_str();
  bool no_retention = false;
  serve->add_flag("--no-retention", no_retention, "Do not delete events past their retention")
      ->envname("PROMPTJANG_NO_RETENTION");
  bool no_bootstrap = false;
  serve
      ->add_flag("--no-bootstrap", no_bootstrap,
                 "Do not create an account, user and key on first start")
      ->envname("PROMPTJANG_NO_BOOTSTRAP");

  promptjang::Database database{kDefaultDatabase, {}};
  bool json = false;
  std::string name, plan = "starter", account_id, email;
  std::optional<std::string> password;

  CLI::App* account = app.add_subcommand("account", "Manage accounts")->require_subcommand(1);
  CLI::App* account_create = account->add_subcommand("create", "Create an account");
  account_create->add_option("--name", name, "Account name")->required();
  account_create->add_option("--plan", plan, "starter or pro")->capture_default_str();
  database_option(account_create, database.url);
  master_key_options(account_create, database.master_key);
  account_create->add_flag("--json", json, "Print one JSON object");
  CLI::App* account_plan = account->add_subcommand("set-plan", "Change an account's plan");
  account_plan->add_option("--account", account_id, "Account id (acct_...)")->required();
  account_plan->add_option("--plan", plan, "starter or pro")->required();
  database_option(account_plan, database.url);
  master_key_options(account_plan, database.master_key);
  account_plan->add_flag("--json", json, "Print one JSON object");

  std::string month;
  CLI::App* usage = app.add_subcommand("usage", "An account's usage and cost for a month");
  usage->add_option("--account", account_id, "Account id (acct_...)")->required();
  usage->add_option("--month", month, "YYYY-MM (default: this month, UTC)");
  database_option(usage, database.url);
  master_key_options(usage, database.master_key);
  usage->add_flag("--json", json, "Print one JSON object");

  CLI::App* key = app.add_subcommand("api-key", "Manage API keys")->require_subcommand(1);
  CLI::App* key_create = key->add_subcommand("create", "Create an API key (shown once)");
  key_create->add_option("--account", account_id, "Account id (acct_...)")->required();
  key_create->add_option("--name", name, "Key name");
  database_option(key_create, database.url);
  master_key_options(key_create, database.master_key);
  key_create->add_flag("--json", json, "Print one JSON object");

  CLI::App* user = app.add_subcommand("user", "Manage dashboard users")->require_subcommand(1);
  CLI::App* user_create = user->add_subcommand("create", "Create a dashboard user");
  user_create->add_option("--account", account_id, "Account id (acct_...)")->required();
  user_create->add_option("--email", email, "Login email")->required();
  user_create->add_option("--password", password, "Password (generated when absent)");
  database_option(user_create, database.url);
  master_key_options(user_create, database.master_key);
  user_create->add_flag("--json", json, "Print one JSON object");

  bool check_only = false;
  CLI::App* migrate =
      app.add_subcommand("migrate", "Apply the pending schema migrations (serve does it too)");
  migrate->add_flag("--check", check_only,
                    "Apply nothing; exit 3 if migrations are pending, 0 if none");
  database_option(migrate, database.url);
  master_key_options(migrate, database.master_key);
  migrate->add_flag("--json", json, "Print one JSON object");

  std::string backup_file;
  CLI::App* backup = app.add_subcommand(
      "backup", "Copy the SQLite database to a new file, consistently, while the server runs");
  backup->add_option("--to", backup_file, "The backup file to write (must not exist)")->required();
  database_option(backup, database.url);
  backup->add_flag("--json", json, "Print one JSON object");
  CLI::App* restore = app.add_subcommand(
      "restore", "Make a new SQLite database (--database, must not exist) from a backup");
  restore->add_option("--from", backup_file, "The backup file")->required();
  database_option(restore, database.url);
  restore->add_flag("--json", json, "Print one JSON object");

  promptjang::ListenFlags listen_flags;
  CLI::App* listen = app.add_subcommand(
      "listen", "Receive webhooks locally: print each request and verify its signatures");
  listen->add_option("--port", listen_flags.port, "Port to listen on (required; 0 = any, printed)")
      ->type_name("PORT")
      ->envname("PROMPTJANG_LISTEN_PORT");
  listen
      ->add_option("--secret", listen_flags.secret,
                   "The endpoint's secret (whsec_...), to verify signatures (required)")
      ->type_name("SECRET")
      ->envname("PROMPTJANG_LISTEN_SECRET");
  listen->add_option("--status", listen_flags.status, "HTTP status to answer with (100-599)")
      ->type_name("CODE")
      ->envname("PROMPTJANG_LISTEN_STATUS")
      ->capture_default_str();
  listen->add_option("--host", listen_flags.host, "IP address to listen on")
      ->type_name("IP")
      ->envname("PROMPTJANG_LISTEN_HOST")
      ->capture_default_str();

  CLI::App* master_key =
      app.add_subcommand("master-key", "The master key that seals endpoint secrets at rest")
          ->require_subcommand(1);
  CLI::App* master_key_generate =
      master_key->add_subcommand("generate", "Print a new master key (base64 of 32 random bytes)");

  if (argc > 1 && std::string(argv[1]) == "serve") {
    if (auto path = promptjang::find_config_path(argc, argv)) {
      promptjang::Status s = promptjang::apply_config_file(*serve, *path);
      if (!s) {
        std::cerr << "error: " << s.message() << "\n";
        return 2;
      }
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);  // prints the message; 0 for --help, non-zero for errors
  }

  master_keys_from_environment(config.master_key);
  master_keys_from_environment(database.master_key);
  promptjang::OutputOptions out{json};
  if (*serve) {
    config.bootstrap = !no_bootstrap;
    config.retention = !no_retention;
    config.delivery = !no_delivery;
    return promptjang::run_serve(config);
  }
  if (*listen) return promptjang::run_listen(listen_flags);
  if (*master_key_generate) return promptjang::run_master_key_generate();
  if (*account_create) return promptjang::run_account_create(database, name, plan, out);
  if (*account_plan) return promptjang::run_account_set_plan(database, account_id, plan, out);
  if (*usage) return promptjang::run_usage(database, account_id, month, out);
  if (*key_create) return promptjang::run_api_key_create(database, account_id, name, out);
  if (*migrate) return promptjang::run_migrate(database, check_only, out);
  if (*backup) return promptjang::run_backup(database.url, backup_file, out);
  if (*restore) return promptjang::run_restore(database.url, backup_file, out);
  if (*user_create) return promptjang::run_user_create(database, account_id, email, password, out);
  return 2;
}
