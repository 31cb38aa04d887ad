// Logger factories; see log.h.
#include "core/log.h"

#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

namespace promptjang {

std::shared_ptr<Logger> make_stderr_logger(const std::string& name, const std::string& level) {
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  auto logger = std::make_shared<Logger>(name, sink);
  logger->set_level(spdlog::level::from_str(level));
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  return logger;
}

std::shared_ptr<Logger> make_null_logger() {
  return std::make_shared<Logger>("null", std::make_shared<spdlog::sinks::null_sink_mt>());
}

}  // namespace promptjang
