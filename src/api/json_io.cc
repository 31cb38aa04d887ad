// JSON helpers; see json_io.h.
#include "api/json_io.h"

#include <charconv>
#include <cmath>

namespace promptjang {
namespace {

// Appends `v` as JSON. As boost::json::serialize, except that a double is
// written in its shortest plain form (0.975, 29, 1e-07), not Boost 1.81's
// always-scientific one (9.75E-1, 2.9E1), which people reading the API trip on.
void write_json(std::string& out, const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out += ',';
        first = false;
        out += boost::json::serialize(boost::json::string(kv.key()));
        out += ':';
        write_json(out, kv.value());
      }
      out += '}';
      return;
    }
    case boost::json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& item : v.get_array()) {
        if (!first) out += ',';
        first = false;
        write_json(out, item);
      }
      out += ']';
      return;
    }
    case boost::json::kind::double_: {
      double d = v.get_double();
      if (!std::isfinite(d)) {  // JSON has no NaN or infinity
        out += "null";
        return;
      }
      char buf[32];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
      out.append(buf, ec == std::errc() ? end : buf);
      return;
    }
    default:
      out += boost::json::serialize(v);  // strings, integers, booleans, null
  }
}

}  // namespace

std::string to_json_text(const boost::json::value& v) {
  std::string out;
  write_json(out, v);
  return out;
}

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
  r.body = to_json_text(v);
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
