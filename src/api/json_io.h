// JSON in and out of the API, on Boost.JSON.
//
// Request bodies of the management API are parsed into an object with clear 400
// errors; answers are serialized objects. An event's payload is embedded in its
// answer verbatim (splice_raw), never re-encoded, so large integers, key order and
// spacing survive. Pure functions; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "api/http_types.h"
#include "core/status.h"

namespace promptjang {

// Parses a body that must be a JSON object (an empty body is an empty object).
// InvalidArgument names what is wrong.
Result<boost::json::object> parse_object_body(std::string_view body);

// Optional typed fields of a parsed body; InvalidArgument on a wrong type.
Result<std::optional<std::string>> optional_string(const boost::json::object& o,
                                                   std::string_view key);
Result<std::optional<bool>> optional_bool(const boost::json::object& o, std::string_view key);

// `v` as JSON text, doubles in plain notation (0.975, not 9.75E-1).
std::string to_json_text(const boost::json::value& v);

// A JSON answer with `status`.
HttpResponse json_response(int status, const boost::json::value& v);

// `object_json` is a serialized JSON object; returns it with `"key": raw` added as
// its last member. `raw` must itself be valid JSON.
std::string splice_raw(std::string object_json, std::string_view key, std::string_view raw);

}  // namespace promptjang
