// Query string parsing; see query.h.
#include "api/query.h"

namespace promptjang {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;  // needs two hex digits after '%'
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<Query> Query::parse(std::string_view raw) {
  Query q;
  size_t i = 0;
  while (i <= raw.size() && !raw.empty()) {
    size_t amp = raw.find('&', i);
    if (amp == std::string_view::npos) amp = raw.size();
    std::string_view part = raw.substr(i, amp - i);
    if (!part.empty()) {
      size_t eq = part.find('=');
      auto name = percent_decode(part.substr(0, eq), true);
      auto value = percent_decode(eq == std::string_view::npos ? "" : part.substr(eq + 1), true);
      if (!name || !value) return invalid_argument("malformed query string");
      q.pairs_.emplace_back(std::move(*name), std::move(*value));
    }
    i = amp + 1;
    if (amp == raw.size()) break;
  }
  return q;
}

Result<int> parse_limit(const std::optional<std::string>& text, int fallback, int max) {
  if (!text) return fallback;
  auto bad = [max] { return invalid_argument("limit must be 1 to " + std::to_string(max)); };
  if (text->empty() || text->size() > 9) return bad();  // 9 digits cannot overflow an int
  int v = 0;
  for (char c : *text) {
    if (c < '0' || c > '9') return bad();
    v = v * 10 + (c - '0');
  }
  if (v < 1 || v > max) return bad();
  return v;
}

std::optional<std::string> Query::get(std::string_view name) const {
  for (const auto& [k, v] : pairs_)
    if (k == name) return v;
  return std::nullopt;
}

}  // namespace promptjang
