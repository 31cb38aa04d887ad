// Fuzz target: ingest's JSON validation (api/payload.h) and the API's JSON
// reading and writing (api/json_io.h, api/errors.h), on any bytes.
//
// Invariants:
//  - validate_payload accepts exactly what the reference validator
//    (json_reference.h: RFC 8259, strict UTF-8, 32 levels) accepts, and what
//    boost::json::parse accepts (payload.cc promises the same acceptance);
//  - the event type it returns is the top-level "event" member's value when
//    that is a string (the last one when the key repeats), else none;
//  - parse_object_body accepts blank text and JSON objects, nothing else;
//  - to_json_text of a parsed value is valid JSON that parses back to the same
//    value (doubles to within rounding; infinities become null);
//  - splice_raw of a valid payload into an answer gives valid JSON whose
//    member is the payload's value (events are embedded verbatim);
//  - an error answer quoting any bytes (a path, a message) is a valid JSON
//    {"error": {"code", "message"}} whose message keeps valid UTF-8 intact.
#include <boost/json.hpp>
#include <cmath>
#include <cstdint>
#include <string>

#include "api/errors.h"
#include "api/json_io.h"
#include "api/payload.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/json_reference.h"

namespace promptjang {
namespace {

namespace json = boost::json;

// Equal as JSON values, doubles to within a few ulps (Boost 1.81 reads
// decimals back not always to the nearest double, and "0e400" as NaN). When `b`
// was printed by to_json_text, a non-finite double of `a` is null in `b`.
bool same_value(const json::value& a, const json::value& b, bool printed) {
  if (a.is_double() && !std::isfinite(a.get_double())) {
    if (printed) return b.is_null();
    if (!b.is_double()) return false;
    const double x = a.get_double(), y = b.get_double();
    return (std::isnan(x) && std::isnan(y)) || x == y;
  }
  if (a.is_double() && b.is_number()) {
    const double x = a.get_double(), y = b.to_number<double>();
    return x == y || std::fabs(x - y) <= 1e-14 * std::fmax(std::fabs(x), std::fabs(y));
  }
  if (a.kind() != b.kind()) {
    // An integral double prints as "29" and reads back as an integer.
    return a.is_number() && b.is_number() && a.to_number<double>() == b.to_number<double>();
  }
  if (a.is_object()) {
    const auto &x = a.get_object(), &y = b.get_object();
    if (x.size() != y.size()) return false;
    auto i = x.begin();
    auto j = y.begin();
    for (; i != x.end(); ++i, ++j)
      if (i->key() != j->key() || !same_value(i->value(), j->value(), printed)) return false;
    return true;
  }
  if (a.is_array()) {
    const auto &x = a.get_array(), &y = b.get_array();
    if (x.size() != y.size()) return false;
    for (size_t k = 0; k < x.size(); ++k)
      if (!same_value(x[k], y[k], printed)) return false;
    return true;
  }
  return a == b;
}

std::optional<std::string> expected_event_type(const json::value& v) {
  if (!v.is_object()) return std::nullopt;
  std::optional<std::string> type;
  // The last "event" member counts (json::object keeps the last of a repeated key).
  auto it = v.get_object().find("event");
  if (it != v.get_object().end() && it->value().is_string())
    type = std::string(it->value().get_string());
  return type;
}

void check_error_body(std::string_view quoted) {
  HttpResponse r = error_response(404, "not_found", quoted);
  FUZZ_CHECK(fuzz::JsonReference::valid(r.body), "error body is not valid JSON: %s",
             r.body.c_str());
  json::error_code ec;
  json::value v = json::parse(r.body, ec);
  FUZZ_CHECK(!ec && v.is_object() && v.get_object().contains("error"), "error body: %s",
             r.body.c_str());
  const json::value& e = v.get_object().at("error");
  FUZZ_CHECK(e.is_object() && e.get_object().contains("code") &&
                 e.get_object().at("code").is_string() && e.get_object().contains("message") &&
                 e.get_object().at("message").is_string(),
             "error body lacks code or message: %s", r.body.c_str());
  // Valid UTF-8 is kept as it is (serialize escapes controls, copies the rest).
  const std::string probe = json::serialize(json::string(quoted));
  if (fuzz::JsonReference::valid(probe))
    FUZZ_CHECK(e.get_object().at("message").get_string() == quoted,
               "valid UTF-8 in an error message was changed");
}

void check(std::string_view body) {
  const bool reference = fuzz::JsonReference::valid(body);
  auto payload = validate_payload(body);
  FUZZ_CHECK(payload.is_ok() == reference, "validate_payload=%d, reference=%d", payload.is_ok(),
             reference);
  json::error_code ec;
  json::value v = json::parse(body, ec);
  FUZZ_CHECK(!ec == payload.is_ok(), "json::parse=%d, validate_payload=%d", !ec, payload.is_ok());

  auto object = parse_object_body(body);
  const bool blank = body.find_first_not_of(" \t\r\n") == std::string_view::npos;
  FUZZ_CHECK(object.is_ok() == (blank || (!ec && v.is_object())),
             "parse_object_body=%d for blank=%d object=%d", object.is_ok(), blank,
             !ec && v.is_object());

  check_error_body(body);
  if (!payload.is_ok()) return;

  FUZZ_CHECK(*payload == expected_event_type(v), "event type '%s', expected '%s'",
             payload->value_or("<none>").c_str(),
             expected_event_type(v).value_or("<none>").c_str());

  const std::string text = to_json_text(v);
  FUZZ_CHECK(fuzz::JsonReference::valid(text), "to_json_text: %s", text.c_str());
  json::value back = json::parse(text, ec);
  FUZZ_CHECK(!ec, "to_json_text gave unparseable '%s'", text.c_str());
  FUZZ_CHECK(same_value(v, back, true), "to_json_text changed the value: '%s'", text.c_str());

  // The answer is one level deeper than the payload: read it with room for that.
  const std::string spliced = splice_raw(R"({"id":"evt_1"})", "payload", body);
  json::parse_options deeper;
  deeper.max_depth = fuzz::kMaxDepth + 1;
  json::value s = json::parse(spliced, ec, {}, deeper);
  FUZZ_CHECK(!ec && s.is_object() && s.get_object().size() == 2, "splice_raw gave invalid JSON: %s",
             spliced.c_str());
  FUZZ_CHECK(same_value(v, s.get_object().at("payload"), false),
             "the spliced payload is another value");
}

}  // namespace
}  // namespace promptjang

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  promptjang::check(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
