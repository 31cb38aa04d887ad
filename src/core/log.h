// Logging: components take a Logger& (spdlog) built by app/; nothing logs through
// a process-wide default logger. spdlog loggers are thread-safe (the _mt sinks).
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace promptjang {

using Logger = spdlog::logger;

// A logger writing to stderr with a level ("debug", "info", "warn", "error").
std::shared_ptr<Logger> make_stderr_logger(const std::string& name, const std::string& level);

// A logger that drops everything (tests, quiet CLI commands).
std::shared_ptr<Logger> make_null_logger();

}  // namespace promptjang
