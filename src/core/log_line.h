// One log entry as one line, in logfmt or JSON (--log-format), and the fields
// of a structured entry (one per HTTP request, one per delivery attempt).
//
// Logging goes through spdlog (log.h), whose message is a single string: a
// structured entry travels in it encoded by LogFields (a leading kEntryMark,
// then the message and each field between separator bytes that no field may
// contain: LogFields replaces them), and the line formatter (log.cc) decodes it
// into `msg=... key=value` or `{"msg": ..., "key": value}`. A plain message
// (logger.info("...")) becomes the entry's msg. Invariant: no plain message
// starts with kEntryMark (each begins with literal text).
//
// Both formats escape everything a client or receiver could put in a value: a
// line never breaks and a value never forges another field. Pure functions;
// thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace promptjang {

enum class LogFormat { kLogfmt, kJson };

// "logfmt" or "json".
std::optional<LogFormat> parse_log_format(std::string_view s);

inline constexpr char kEntryMark = '\x1e';

// The message and fields of a structured entry, in the order added.
class LogFields {
 public:
  explicit LogFields(std::string_view message);

  LogFields& add(std::string_view key, std::string_view value);
  LogFields& add(std::string_view key, const char* value) {
    return add(key, std::string_view(value));
  }
  LogFields& add(std::string_view key, const std::string& value) {
    return add(key, std::string_view(value));
  }
  LogFields& add(std::string_view key, int64_t value);
  LogFields& add(std::string_view key, int value) { return add(key, int64_t{value}); }
  LogFields& add(std::string_view key, uint64_t value);
  // A number with `decimals` digits after the point (durations in ms).
  LogFields& add_fixed(std::string_view key, double value, int decimals);

  // What goes into spdlog's message: kEntryMark, the message, then the fields.
  const std::string& encoded() const { return encoded_; }

 private:
  void append_clean(std::string_view s);
  // A field written bare in logfmt and as a number in JSON: `digits` must be one.
  LogFields& add_number(std::string_view key, std::string_view digits);
  std::string encoded_;
};

// The whole line (without its newline) for an entry at `time` with `level`
// ("info", "warning", ...) whose spdlog message is `payload`.
std::string render_log_line(LogFormat format, TimePoint time, std::string_view level,
                            std::string_view payload);

}  // namespace promptjang
