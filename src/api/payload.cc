// Ingest's body and media-type checks; see payload.h.
//
// The body is validated with Boost.JSON's event-driven parser (basic_parser)
// rather than parsed into a document: the only thing ingest wants from it is
// the top-level "event" string, and a document of a 2 MiB body took ~12 MB of
// memory and 26 ms to build (pj_micro_bench, BM_ValidatePayload/2097152). The
// parser's options are json::parse's defaults (standard JSON, depth 32), so
// what is accepted is unchanged.
#include "api/payload.h"

#include <algorithm>
#include <boost/json/basic_parser_impl.hpp>
#include <cctype>

namespace promptjang {
namespace {

namespace json = boost::json;

// Follows the document and keeps the top-level "event" member's value when it
// is a string (the last one, if the key repeats, as json::object does).
class EventTypeFinder {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  std::optional<std::string>& type() { return type_; }

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) { return enter(); }
  bool on_object_end(std::size_t, json::error_code&) { return leave(); }
  bool on_array_begin(json::error_code&) { return enter(); }
  bool on_array_end(std::size_t, json::error_code&) { return leave(); }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    if (depth_ == 1) key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    if (depth_ == 1) {
      key_.append(s.data(), s.size());
      at_event_ = key_ == "event";
      key_.clear();
    }
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    if (at_event_value()) value_.append(s.data(), s.size());
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    if (at_event_value()) {
      value_.append(s.data(), s.size());
      type_ = std::move(value_);
      value_.clear();
      type_from_this_value_ = true;
    }
    return scalar();
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t, json::string_view, json::error_code&) { return scalar(); }
  bool on_uint64(std::uint64_t, json::string_view, json::error_code&) { return scalar(); }
  bool on_double(double, json::string_view, json::error_code&) { return scalar(); }
  bool on_bool(bool, json::error_code&) { return scalar(); }
  bool on_null(json::error_code&) { return scalar(); }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  bool at_event_value() const { return depth_ == 1 && at_event_; }
  // The end of a value other than an object or array: a top-level "event"
  // that is not a string leaves no type (the last "event" member counts).
  bool scalar() {
    if (at_event_value()) {
      if (!type_from_this_value_) type_.reset();
      at_event_ = false;
    }
    type_from_this_value_ = false;
    return true;
  }
  bool enter() {
    if (depth_ == 1 && at_event_) {
      type_.reset();  // "event": {...} or [...] is no type (a later string is)
      at_event_ = false;
    }
    ++depth_;
    return true;
  }
  bool leave() {
    --depth_;
    return true;
  }

  int depth_ = 0;                      // 1 inside the top-level object
  bool at_event_ = false;              // the next top-level value is "event"'s
  bool type_from_this_value_ = false;  // on_string just set type_
  std::string key_;
  std::string value_;
  std::optional<std::string> type_;
};

}  // namespace

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
  json::basic_parser<EventTypeFinder> parser{json::parse_options{}};
  json::error_code ec;
  std::size_t used = parser.write_some(false, body.data(), body.size(), ec);
  if (!ec && used != body.size()) ec = json::error::extra_data;
  if (ec) return invalid_argument("the body is not valid JSON: " + ec.message());
  return std::move(parser.handler().type());
}

}  // namespace promptjang
