// Status -> HTTP; see errors.h.
#include "api/errors.h"

#include <boost/json.hpp>
#include <string>

#include "core/utf8.h"

namespace promptjang {

HttpResponse error_response(int http_status, std::string_view code, std::string_view message) {
  boost::json::object err;
  err["code"] = code;
  // A message may quote the client's input (the path of a 404, say), and
  // Boost.JSON copies string bytes as they are: without this, a request for
  // "/x/" and a raw 0xFF byte got a 404 whose body no strict JSON parser accepts.
  err["message"] = to_valid_utf8(message);
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
