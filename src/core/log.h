// Logging: components take a Logger& (spdlog) built by app/ or cli/; nothing
// logs through a process-wide default logger. spdlog loggers are thread-safe
// (the _mt sinks). Every entry is one line on stderr, in logfmt or JSON
// (log_line.h); structured entries (a request, an attempt) go through log_event.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

#include "core/log_line.h"

namespace promptjang {

using Logger = spdlog::logger;

// A logger writing one line per entry to stderr, with a level ("trace",
// "debug", "info", "warn", "error", "critical", "off").
std::shared_ptr<Logger> make_stderr_logger(const std::string& name, const std::string& level,
                                           LogFormat format = LogFormat::kLogfmt);

// The same lines into any spdlog sink (tests capture them in a stream).
std::shared_ptr<Logger> make_logger(const std::string& name, spdlog::sink_ptr sink,
                                    const std::string& level, LogFormat format);

// A logger that drops everything (tests, quiet CLI commands).
std::shared_ptr<Logger> make_null_logger();

// A structured entry: `fields`' message and fields, as fields of the line.
inline void log_event(Logger& logger, spdlog::level::level_enum level, const LogFields& fields) {
  if (logger.should_log(level)) logger.log(level, spdlog::string_view_t(fields.encoded()));
}

}  // namespace promptjang
