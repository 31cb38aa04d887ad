// Status -> HTTP; see errors.h.
#include "api/errors.h"

#include <boost/json.hpp>
#include <cstdint>
#include <string>

namespace promptjang {
namespace {

// `s` with every byte that is not part of well-formed UTF-8 (a stray
// continuation byte, a truncated or overlong sequence, a surrogate, past
// U+10FFFF) replaced by U+FFFD. A message may quote the client's input (the
// path of a 404, say), and Boost.JSON copies string bytes as they are: without
// this, a request for "/x/" and a raw 0xFF byte got a 404 whose body no strict
// JSON parser accepts.
std::string valid_utf8(std::string_view s) {
  constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out += s[i++];
      continue;
    }
    size_t n = 0;  // continuation bytes
    uint32_t cp = 0, min = 0;
    if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07, min = 0x10000;
    }
    bool ok = n > 0 && i + n < s.size();
    for (size_t k = 1; ok && k <= n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      ok = (d & 0xC0) == 0x80;
      cp = (cp << 6) | (d & 0x3F);
    }
    if (ok && cp >= min && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF)) {
      out.append(s.substr(i, n + 1));
      i += n + 1;
    } else {
      out += kReplacement;
      ++i;
    }
  }
  return out;
}

}  // namespace

HttpResponse error_response(int http_status, std::string_view code, std::string_view message) {
  boost::json::object err;
  err["code"] = code;
  err["message"] = valid_utf8(message);
  boost::json::object root;
  root["error"] = std::move(err);
  HttpResponse r;
  r.status = http_status;
  r.body = boost::json::serialize(root);
  return r;
}

HttpResponse status_response(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
      return error_response(400, "invalid_request", status.message());
    case StatusCode::kNotFound:
      return error_response(404, "not_found", status.message());
    case StatusCode::kUnauthenticated:
      return error_response(401, "unauthorized", status.message());
    case StatusCode::kPermissionDenied:
      return error_response(403, "forbidden", status.message());
    case StatusCode::kAlreadyExists:
      return error_response(409, "conflict", status.message());
    case StatusCode::kFailedPrecondition:
      return error_response(409, "failed_precondition", status.message());
    case StatusCode::kResourceExhausted:
      return error_response(413, "payload_too_large", status.message());
    case StatusCode::kUnavailable:
      return error_response(503, "unavailable", "storage is unavailable, try again");
    case StatusCode::kDeadlineExceeded:
      return error_response(504, "timeout", status.message());
    default:
      return error_response(500, "internal", "internal error");
  }
}

}  // namespace promptjang
