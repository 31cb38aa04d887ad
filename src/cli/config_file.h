// The TOML config file of `promptjang serve --config FILE`.
//
// CLI11 2.1 reads config files only for the top-level command, so the file is
// read here with CLI11's TOML reader and each `key = value` becomes the default
// of serve's `--key` option before the command line is parsed. That gives the
// precedence SPEC §10 promises: flag, then environment, then file, then default.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "core/status.h"

namespace promptjang {

// The value of `--config FILE` / `--config=FILE` in argv, else $PROMPTJANG_CONFIG.
std::optional<std::string> find_config_path(int argc, char** argv);

// InvalidArgument for an unreadable file, a key that names no option of `cmd`
// or a value its option cannot hold; each message names the file, and the key
// or setting (cli/serve_options.h's unreadable_value).
Status apply_config_file(CLI::App& cmd, const std::string& path);

}  // namespace promptjang
