// Ingest's body and media-type checks; see payload.h.
#include "api/payload.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

namespace promptjang {

bool is_json_media_type(std::string_view ct) {
  auto semi = ct.find(';');
  std::string_view type = ct.substr(0, semi);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  constexpr std::string_view kJson = "application/json";
  return type.size() == kJson.size() &&
         std::equal(type.begin(), type.end(), kJson.begin(),
                    [](char a, char b) { return std::tolower(a) == std::tolower(b); });
}

Result<std::optional<std::string>> validate_payload(std::string_view body) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec) return invalid_argument("the body is not valid JSON: " + ec.message());
  std::optional<std::string> type;
  if (v.is_object()) {
    auto it = v.as_object().find("event");
    if (it != v.as_object().end() && it->value().is_string())
      type = std::string(it->value().as_string());
  }
  return type;
}

}  // namespace promptjang
