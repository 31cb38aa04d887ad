// JSON helpers; see json_io.h.
#include "api/json_io.h"

namespace promptjang {

Result<boost::json::object> parse_object_body(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return boost::json::object{};
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec) return invalid_argument("the body is not valid JSON: " + ec.message());
  if (!v.is_object()) return invalid_argument("the body must be a JSON object");
  return std::move(v.as_object());
}

Result<std::optional<std::string>> optional_string(const boost::json::object& o,
                                                   std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<std::string>{};
  if (!it->value().is_string()) return invalid_argument(quoted(key) + " must be a string");
  return std::optional<std::string>{std::string(it->value().as_string())};
}

Result<std::optional<bool>> optional_bool(const boost::json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<bool>{};
  if (!it->value().is_bool()) return invalid_argument(quoted(key) + " must be a boolean");
  return std::optional<bool>{it->value().as_bool()};
}

HttpResponse json_response(int status, const boost::json::value& v) {
  HttpResponse r;
  r.status = status;
  r.body = boost::json::serialize(v);
  return r;
}

std::string splice_raw(std::string object_json, std::string_view key, std::string_view raw) {
  // object_json ends with '}'; an empty object is "{}".
  object_json.pop_back();
  if (object_json.size() > 1) object_json += ',';
  object_json += boost::json::serialize(boost::json::string(key));
  object_json += ':';
  object_json.append(raw);
  object_json += '}';
  return object_json;
}

}  // namespace promptjang
