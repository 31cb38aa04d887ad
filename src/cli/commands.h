// The subcommands of the `promptjang` binary (SPEC §10). Each returns the
// process exit code: 0 on success, 1 on a runtime failure, 2 on bad usage; errors
// go to stderr as one clear line.
#pragma once

#include <optional>
#include <string>

#include "app/config.h"
#include "app/master_key.h"

namespace promptjang {

struct OutputOptions {
  bool json = false;
};

int run_serve(const Config& config);
// The admin commands open the database as `serve` does, with the same master
// key settings: they refuse a database whose sealed secrets the key does not
// open, and never seal anything themselves (see SecretsAtRest).
struct Database {
  std::string url{};
  MasterKeySettings master_key{};
};

int run_account_create(const Database& database, const std::string& name, const std::string& plan,
                       OutputOptions out);
int run_account_set_plan(const Database& database, const std::string& account_id,
                         const std::string& plan, OutputOptions out);
// `month` empty: this month (UTC).
int run_usage(const Database& database, const std::string& account_id, const std::string& month,
              OutputOptions out);
int run_api_key_create(const Database& database, const std::string& account_id,
                       const std::string& name, OutputOptions out);
int run_user_create(const Database& database, const std::string& account_id,
                    const std::string& email, const std::optional<std::string>& password,
                    OutputOptions out);
// A consistent copy of the SQLite database at `to` (a new file), while the
// server may run; a new SQLite database at `database` made from the copy `from`.
int run_backup(const std::string& database, const std::string& to, OutputOptions out);
int run_restore(const std::string& database, const std::string& from, OutputOptions out);

// Applies the pending schema migrations (`check_only`: applies nothing, exits 3
// when some are pending, 0 when none). Exit 1 for a database a newer binary
// migrated.
// The master key settings are those of the other admin commands (the open
// checks the stored secrets against them).
int run_migrate(const Database& database, bool check_only, OutputOptions out);

// `promptjang listen` flags as typed; run_listen validates them, so a bad value
// gets a clear message and exit code 2 like every other usage error.
struct ListenFlags {
  std::string host = "127.0.0.1";
  std::string port;            // required; 0 picks a free port (printed)
  std::string secret;          // whsec_... (or PROMPTJANG_LISTEN_SECRET)
  std::string status = "200";  // the answer to every request, 100-599
};
int run_listen(const ListenFlags& flags);

// `promptjang master-key generate`: prints a new master key (base64 of 32 random bytes).
int run_master_key_generate();

}  // namespace promptjang
