// The subcommands of the `promptjang` binary (SPEC §10). Each returns the
// process exit code: 0 on success, 1 on a runtime failure, 2 on bad usage; errors
// go to stderr as one clear line.
#pragma once

#include <optional>
#include <string>

#include "app/config.h"

namespace promptjang {

struct OutputOptions {
  bool json = false;
};

int run_serve(const Config& config);
int run_account_create(const std::string& database, const std::string& name,
                       const std::string& plan, OutputOptions out);
int run_api_key_create(const std::string& database, const std::string& account_id,
                       const std::string& name, OutputOptions out);
int run_user_create(const std::string& database, const std::string& account_id,
                    const std::string& email, const std::optional<std::string>& password,
                    OutputOptions out);

}  // namespace promptjang
