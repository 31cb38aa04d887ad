// Logger factories and the line formatter; see log.h.
#include "core/log.h"

#include <spdlog/formatter.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace promptjang {
namespace {

// spdlog's formatter for every sink: render_log_line, then a newline.
class LineFormatter final : public spdlog::formatter {
 public:
  explicit LineFormatter(LogFormat format) : format_(format) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto level = spdlog::level::to_string_view(msg.level);
    std::string line = render_log_line(format_, std::chrono::time_point_cast<Micros>(msg.time),
                                       std::string_view(level.data(), level.size()),
                                       std::string_view(msg.payload.data(), msg.payload.size()));
    line += '\n';
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<LineFormatter>(format_);
  }

 private:
  const LogFormat format_;
};

}  // namespace

std::shared_ptr<Logger> make_logger(const std::string& name, spdlog::sink_ptr sink,
                                    const std::string& level, LogFormat format) {
  auto logger = std::make_shared<Logger>(name, std::move(sink));
  logger->set_level(spdlog::level::from_str(level));
  logger->set_formatter(std::make_unique<LineFormatter>(format));
  return logger;
}

std::shared_ptr<Logger> make_stderr_logger(const std::string& name, const std::string& level,
                                           LogFormat format) {
  return make_logger(name, std::make_shared<spdlog::sinks::stderr_sink_mt>(), level, format);
}

std::shared_ptr<Logger> make_null_logger() {
  return std::make_shared<Logger>("null", std::make_shared<spdlog::sinks::null_sink_mt>());
}

}  // namespace promptjang
