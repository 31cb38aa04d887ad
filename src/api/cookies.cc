// Cookie parsing and Set-Cookie values; see cookies.h.
#include "api/cookies.h"

#include <strings.h>

namespace promptjang {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::optional<std::string> find_cookie(const Headers& headers, std::string_view name) {
  for (const auto& [field, value] : headers.fields()) {
    if (!iequals(field, "Cookie")) continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      const size_t semi = rest.find(';');
      std::string_view pair = rest.substr(0, semi);
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      const size_t eq = pair.find('=');
      if (eq == std::string_view::npos) continue;
      if (trim(pair.substr(0, eq)) != name) continue;
      std::string_view v = trim(pair.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      return std::string(v);
    }
  }
  return std::nullopt;
}

bool forwarded_over_https(const Headers& headers) {
  auto proto = headers.get("X-Forwarded-Proto");
  if (!proto) return false;
  // "https, http" when several proxies appended theirs: the first is the client's.
  std::string_view first = proto->substr(0, proto->find(','));
  return iequals(trim(first), "https");
}

std::string set_cookie_value(std::string_view name, std::string_view value, long max_age_seconds,
                             bool secure) {
  std::string out;
  out.append(name).append("=").append(value);
  out.append("; Path=/; HttpOnly; SameSite=Strict; Max-Age=");
  out.append(std::to_string(max_age_seconds));
  if (secure) out.append("; Secure");
  return out;
}

}  // namespace promptjang
