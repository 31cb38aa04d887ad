// The settings of `promptjang serve` as CLI11 options: the one place that binds
// each setting's flag, environment variable (PROMPTJANG_ + the flag in upper
// case), help text and default to a Config field. cli/main.cc uses it for the
// command line; the TOML config file's keys are the same options' names
// (cli/config_file.h); tests/fuzz/config_fuzz binds the same options to fuzz
// the file. A new setting is added here (and to promptjang.example.toml and
// docs/operations.md, which install_test and the docs check) and nowhere else.
//
// Thread safety: called on the main thread before the command runs.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>

#include "app/config.h"
#include "core/status.h"

namespace promptjang {

// What serve's options set beside Config's fields: the config file's path,
// and the flags that turn a default on (Config's `delivery`, `retention`,
// `bootstrap`) off.
struct ServeFlags {
  std::string config_path;  // --config
  bool no_delivery = false;
  bool no_retention = false;
  bool no_bootstrap = false;
};

// Adds every setting of `serve` to `serve`, bound to `config` and `flags`;
// Config's initial values are the defaults shown by --help.
void bind_serve_options(CLI::App& serve, Config& config, ServeFlags& flags);

// Config's `delivery`, `retention` and `bootstrap` from the --no-* flags.
void apply_serve_flags(const ServeFlags& flags, Config& config);

// --database, as serve and the administrative commands take it.
CLI::Option* bind_database_option(CLI::App& cmd, std::string& url);

// --master-key-file and --previous-master-key-file, as serve and the
// administrative commands take them. The keys themselves come from the
// environment only (read_master_keys_from_environment; app/master_key.h).
void bind_master_key_options(CLI::App& cmd, MasterKeySettings& settings);
void read_master_keys_from_environment(MasterKeySettings& settings);

// InvalidArgument for a value `option` cannot hold (a word for a number):
// names the setting as app/setting_error.h does, what it takes, and the value.
Status unreadable_value(const CLI::Option& option, std::string_view value);

// The message of a command-line error: for a value CLI11 could not convert
// to the type of one of `serve`'s options (from a flag or an environment
// variable), unreadable_value's; else CLI11's own (which names the option).
std::string explain_parse_error(const CLI::App& serve, const CLI::ParseError& error);

}  // namespace promptjang
