// Setting names and values in error messages; see setting_error.h.
#include "app/setting_error.h"

#include <charconv>
#include <cmath>

namespace promptjang {

std::string setting_names(std::string_view flag) {
  std::string_view key = flag;
  while (key.starts_with('-')) key.remove_prefix(1);
  std::string env = "PROMPTJANG_";
  for (char c : key) env += c == '-' ? '_' : static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  std::string out(flag);
  out.append(" (").append(env).append(", \"").append(key).append("\" in the config file)");
  return out;
}

std::string shown_value(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out.append("\\x").append(1, kHex[c >> 4]).append(1, kHex[c & 15]);
    } else {
      out += static_cast<char>(c);
    }
  }
  return promptjang::quoted(out);
}

std::string shown_value(double number) {
  if (std::isnan(number)) return "nan";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, number);
  return ec == std::errc() ? std::string(buf, end) : "?";
}

std::string shown_value(long long number) { return std::to_string(number); }
std::string shown_value(unsigned long long number) { return std::to_string(number); }

}  // namespace promptjang
