// Plain HTTP request and response values, with no socket or Beast type in sight.
//
// The server (api/server.cc) turns Beast messages into these and back; handlers
// are plain functions of them, so they are tested without a network. A handler
// answers through `Respond`, at once or later (ingest answers after its commit),
// from any thread, exactly once.
#pragma once

#include <any>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace promptjang {

// Header fields in arrival order; names compare case-insensitively.
class Headers {
 public:
  void add(std::string name, std::string value) {
    fields_.emplace_back(std::move(name), std::move(value));
  }
  // The first value of `name`, if any.
  std::optional<std::string_view> get(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // "/api/v1/events/evt_x", not decoded
  std::string query;   // "status=EXPIRED&limit=5", without '?'
  Headers headers;
  std::string body;
  std::string remote_address;
  // This request's id: the client's X-Request-Id when it sent a usable one, else
  // one the server made; answered in X-Request-Id and written in the logs.
  std::string request_id;
  // What preflight learnt (the API keeps the authenticated principal here), for
  // handle: the server passes the same request object to both.
  std::any handler_state;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  Headers headers;  // besides Content-Type and Content-Length
  std::string body;
  // Fields for the request's log line (the event stored, the account), never
  // sent to the client.
  std::vector<std::pair<std::string, std::string>> log_fields;
};

using Respond = std::function<void(HttpResponse)>;

// What the server serves. Thread safety: called from the server's I/O threads,
// concurrently.
class HttpHandler {
 public:
  virtual ~HttpHandler() = default;

  // Called once the header is read and before any of the body: the largest body
  // this request may carry, or an answer to give at once (401, 413, ...). The
  // request passed here has no body yet; it is the object later given to
  // handle(), so preflight may leave state in handler_state.
  virtual std::variant<size_t, HttpResponse> preflight(HttpRequest& head) = 0;

  // Answers the whole request through `respond`, exactly once.
  virtual void handle(HttpRequest request, Respond respond) = 0;
};

}  // namespace promptjang
