// promptjang: the command line (SPEC §10). Parses flags, PROMPTJANG_* environment
// variables and a TOML config file with CLI11 (flags win over the environment,
// which wins over the file), then runs one subcommand. serve's settings are
// bound in cli/serve_options.cc. A usage error (an unknown flag, a value of the
// wrong type) exits 2 with a message naming the option, as a bad setting does.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"
#include "cli/config_file.h"
#include "cli/serve_options.h"

using promptjang::Config;

namespace {

constexpr const char* kDefaultDatabase = "sqlite:./data/promptjang.db";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"PromptJang: webhook delivery you can trust", "promptjang"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("promptjang ") + PJ_VERSION);

  Config config;
  CLI::App* serve = app.add_subcommand("serve", "Run the server (API, dashboard, delivery)");
  promptjang::ServeFlags serve_flags;
  promptjang::bind_serve_options(*serve, config, serve_flags);

  promptjang::Database database{kDefaultDatabase, {}};
  bool json = false;
  std::string name, plan = "starter", account_id, email;
  std::optional<std::string> password;

  CLI::App* account = app.add_subcommand("account", "Manage accounts")->require_subcommand(1);
  CLI::App* account_create = account->add_subcommand("create", "Create an account");
  account_create->add_option("--name", name, "Account name")->required();
  account_create->add_option("--plan", plan, "starter or pro")->capture_default_str();
  promptjang::bind_database_option(*account_create, database.url);
  promptjang::bind_master_key_options(*account_create, database.master_key);
  account_create->add_flag("--json", json, "Print one JSON object");
  CLI::App* account_plan = account->add_subcommand("set-plan", "Change an account's plan");
  account_plan->add_option("--account", account_id, "Account id (acct_...)")->required();
  account_plan->add_option("--plan", plan, "starter or pro")->required();
  promptjang::bind_database_option(*account_plan, database.url);
  promptjang::bind_master_key_options(*account_plan, database.master_key);
  account_plan->add_flag("--json", json, "Print one JSON object");

  std::string month;
  CLI::App* usage = app.add_subcommand("usage", "An account's usage and cost for a month");
  usage->add_option("--account", account_id, "Account id (acct_...)")->required();
  usage->add_option("--month", month, "YYYY-MM (default: this month, UTC)");
  promptjang::bind_database_option(*usage, database.url);
  promptjang::bind_master_key_options(*usage, database.master_key);
  usage->add_flag("--json", json, "Print one JSON object");

  CLI::App* key = app.add_subcommand("api-key", "Manage API keys")->require_subcommand(1);
  CLI::App* key_create = key->add_subcommand("create", "Create an API key (shown once)");
  key_create->add_option("--account", account_id, "Account id (acct_...)")->required();
  key_create->add_option("--name", name, "Key name");
  promptjang::bind_database_option(*key_create, database.url);
  promptjang::bind_master_key_options(*key_create, database.master_key);
  key_create->add_flag("--json", json, "Print one JSON object");

  CLI::App* user = app.add_subcommand("user", "Manage dashboard users")->require_subcommand(1);
  CLI::App* user_create = user->add_subcommand("create", "Create a dashboard user");
  user_create->add_option("--account", account_id, "Account id (acct_...)")->required();
  user_create->add_option("--email", email, "Login email")->required();
  user_create->add_option("--password", password, "Password (generated when absent)");
  promptjang::bind_database_option(*user_create, database.url);
  promptjang::bind_master_key_options(*user_create, database.master_key);
  user_create->add_flag("--json", json, "Print one JSON object");

  bool check_only = false;
  CLI::App* migrate =
      app.add_subcommand("migrate", "Apply the pending schema migrations (serve does it too)");
  migrate->add_flag("--check", check_only,
                    "Apply nothing; exit 3 if migrations are pending, 0 if none");
  promptjang::bind_database_option(*migrate, database.url);
  promptjang::bind_master_key_options(*migrate, database.master_key);
  migrate->add_flag("--json", json, "Print one JSON object");

  std::string backup_file;
  CLI::App* backup = app.add_subcommand(
      "backup", "Copy the SQLite database to a new file, consistently, while the server runs");
  backup->add_option("--to", backup_file, "The backup file to write (must not exist)")->required();
  promptjang::bind_database_option(*backup, database.url);
  backup->add_flag("--json", json, "Print one JSON object");
  CLI::App* restore = app.add_subcommand(
      "restore", "Make a new SQLite database (--database, must not exist) from a backup");
  restore->add_option("--from", backup_file, "The backup file")->required();
  promptjang::bind_database_option(*restore, database.url);
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
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    // Usage errors exit 2, like a bad setting's value found after parsing.
    std::cerr << "error: " << promptjang::explain_parse_error(*serve, e) << "\n"
              << "Run with --help for more information.\n";
    return 2;
  }

  promptjang::read_master_keys_from_environment(config.master_key);
  promptjang::read_master_keys_from_environment(database.master_key);
  promptjang::OutputOptions out{json};
  if (*serve) {
    promptjang::apply_serve_flags(serve_flags, config);
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
