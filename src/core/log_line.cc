// Log lines in logfmt and JSON; see log_line.h.
#include "core/log_line.h"

#include <cmath>
#include <cstdio>

#include "core/time_format.h"
#include "core/utf8.h"

namespace promptjang {
namespace {

constexpr char kFieldMark = '\x1f';  // before each field: then 's' or 'n', the key
constexpr char kValueMark = '\x1d';  // between a field's key and its value

bool is_mark(char c) { return c == kEntryMark || c == kFieldMark || c == kValueMark; }

// The two-character escape of c, if it has one.
const char* short_escape(char c) {
  switch (c) {
    case '"':
      return "\\\"";
    case '\\':
      return "\\\\";
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\t':
      return "\\t";
    default:
      return nullptr;
  }
}

// A quoted string with the escapes both formats share: \" \\ \n \r \t, other
// control bytes as \u00XX, invalid UTF-8 as U+FFFD.
void append_quoted(std::string& out, std::string_view s) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (const char* escape = short_escape(c)) {
      out += escape;
      ++i;
      continue;
    }
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", b);
      out += buf;
      ++i;
      continue;
    }
    const size_t n = utf8_sequence_length(s, i);
    if (n == 0) {
      out += kUtf8Replacement;
      ++i;
      continue;
    }
    out.append(s.substr(i, n));
    i += n;
  }
  out += '"';
}

// logfmt leaves a value bare when it is printable ASCII without '"', '=', '\\'
// or spaces.
bool is_bare(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (b <= ' ' || b >= 0x7f || c == '"' || c == '=' || c == '\\') return false;
  }
  return true;
}

void append_field(std::string& out, LogFormat format, std::string_view key, std::string_view value,
                  bool number, bool first) {
  if (format == LogFormat::kJson) {
    if (!first) out += ',';
    append_quoted(out, key);
    out += ':';
    if (number) {
      out.append(value);
    } else {
      append_quoted(out, value);
    }
    return;
  }
  if (!first) out += ' ';
  out.append(key);
  out += '=';
  if (number || is_bare(value)) {
    out.append(value);
  } else {
    append_quoted(out, value);
  }
}

std::string_view short_level(std::string_view level) {
  return level == "warning" ? std::string_view("warn") : level;
}

}  // namespace

std::optional<LogFormat> parse_log_format(std::string_view s) {
  if (s == "logfmt") return LogFormat::kLogfmt;
  if (s == "json") return LogFormat::kJson;
  return std::nullopt;
}

LogFields::LogFields(std::string_view message) {
  encoded_ += kEntryMark;
  append_clean(message);
}

void LogFields::append_clean(std::string_view s) {
  for (char c : s) encoded_ += is_mark(c) ? '?' : c;
}

LogFields& LogFields::add(std::string_view key, std::string_view value) {
  encoded_ += kFieldMark;
  encoded_ += 's';
  append_clean(key);
  encoded_ += kValueMark;
  append_clean(value);
  return *this;
}

LogFields& LogFields::add(std::string_view key, int64_t value) {
  return add_number(key, std::to_string(value));
}

LogFields& LogFields::add(std::string_view key, uint64_t value) {
  return add_number(key, std::to_string(value));
}

LogFields& LogFields::add_fixed(std::string_view key, double value, int decimals) {
  if (!std::isfinite(value)) return add(key, std::string_view(std::isnan(value) ? "NaN" : "Inf"));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return add_number(key, buf);
}

LogFields& LogFields::add_number(std::string_view key, std::string_view digits) {
  encoded_ += kFieldMark;
  encoded_ += 'n';
  append_clean(key);
  encoded_ += kValueMark;
  encoded_ += digits;
  return *this;
}

std::string render_log_line(LogFormat format, TimePoint time, std::string_view level,
                            std::string_view payload) {
  std::string out;
  out.reserve(payload.size() + 64);
  if (format == LogFormat::kJson) out += '{';
  append_field(out, format, "ts", format_rfc3339(time), false, true);
  append_field(out, format, "level", short_level(level), false, false);
  if (payload.empty() || payload.front() != kEntryMark) {
    append_field(out, format, "msg", payload, false, false);
  } else {
    payload.remove_prefix(1);
    size_t end = payload.find(kFieldMark);
    append_field(out, format, "msg", payload.substr(0, end), false, false);
    while (end != std::string_view::npos) {
      payload.remove_prefix(end + 1);
      end = payload.find(kFieldMark);
      std::string_view field = payload.substr(0, end);
      if (field.empty()) continue;
      const bool number = field.front() == 'n';
      field.remove_prefix(1);
      const size_t sep = field.find(kValueMark);
      if (sep == std::string_view::npos) continue;  // not written by LogFields
      append_field(out, format, field.substr(0, sep), field.substr(sep + 1), number, false);
    }
  }
  if (format == LogFormat::kJson) out += '}';
  return out;
}

}  // namespace promptjang
