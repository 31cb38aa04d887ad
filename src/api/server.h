// HttpServer: the HTTP/1.1 front door (Boost.Beast + Asio, C++20 coroutines).
//
// The server owns only I/O: accepting, per-connection limits (header size, body
// size from HttpHandler::preflight, connection cap), timeouts, keep-alive and
// graceful shutdown. Everything a request means is the HttpHandler's business;
// every error the server answers itself is an error_response() JSON body.
//
// Threads: start() runs `threads` I/O threads on one io_context; each connection
// is one coroutine on its own strand. The handler is called on I/O threads,
// concurrently, and may answer through Respond from any thread, at once or later.
// Beast and Asio stay inside server.cc (pimpl), so including this header is cheap.
//
// Lifetime: the handler and the logger must outlive the server. stop() (also run
// by the destructor) returns only once every connection is closed and every I/O
// thread is joined; a Respond called after that is dropped harmlessly.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "api/http_types.h"
#include "core/log.h"
#include "core/status.h"

namespace promptjang {

namespace http_detail {
class ServerCore;  // server.cc
}  // namespace http_detail

// One answered request, as the server saw it (for logs and metrics). The views
// are valid during the call only.
struct RequestRecord {
  std::string_view request_id;
  std::string_view method;  // empty when the server answered before reading a whole
  std::string_view path;    // header (400, 431, a refused connection's 503)
  std::string_view remote_address;
  int status = 0;
  size_t bytes_in = 0;                    // the request's body
  size_t bytes_out = 0;                   // the answer's body
  std::chrono::microseconds duration{0};  // from the header read to the answer written
  const std::vector<std::pair<std::string, std::string>>* log_fields = nullptr;  // the handler's
};

// Told of every answered request, on the I/O thread that wrote the answer
// (concurrently from several): must be quick and must not throw.
class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  virtual void on_request(const RequestRecord& record) noexcept = 0;
};

struct ServerOptions {
  std::string host = "127.0.0.1";  // an IPv4 or IPv6 literal ("0.0.0.0", "::1", ...)
  uint16_t port = 8080;            // 0 = any free port (tests)
  int threads = 2;                 // I/O threads running the io_context
  size_t max_connections = 10000;  // past it, a new connection gets 503 and is closed
                                   // (descriptors_needed() tells what that takes)
  std::chrono::milliseconds header_timeout{10000};  // to read a request's header
  std::chrono::milliseconds body_timeout{30000};    // to read its body (and write the answer)
  std::chrono::milliseconds idle_timeout{60000};    // keep-alive wait for the next request
  std::chrono::milliseconds drain_timeout{10000};   // graceful shutdown bound
  size_t max_header_bytes = 16 * 1024;              // request line and fields together
  // Makes the id of a request that brings no usable X-Request-Id of its own
  // (any thread); unset: "req_1", "req_2", ... (tests).
  std::function<std::string()> request_ids;
  RequestObserver* observer = nullptr;  // may be null; must outlive the server
};

// A client's X-Request-Id is kept when it is 1 to 128 of [A-Za-z0-9._:/+=-]
// (no space, quote or control character reaches a log line or a header).
bool is_usable_request_id(std::string_view id);

// Past max_connections, at most this many connections at a time are told 503;
// beyond that they are closed without an answer.
inline constexpr size_t kMaxRefusedConnections = 256;

// The open descriptors a server with `options` may hold at once: every
// connection it serves and those it is refusing.
inline size_t descriptors_needed(const ServerOptions& options) {
  return options.max_connections + kMaxRefusedConnections;
}

class HttpServer {
 public:
  HttpServer(ServerOptions options, HttpHandler& handler, Logger& logger);
  ~HttpServer();  // stops if running
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens, then starts the I/O threads. InvalidArgument for a host
  // that is not an IP literal, Unavailable if the address cannot be bound (taken),
  // FailedPrecondition if called twice. A server is started at most once.
  Status start();

  // The bound port (the real one when options.port was 0); 0 before start().
  uint16_t port() const;

  // Graceful: stop accepting, close idle keep-alive connections, let in-flight
  // requests finish and be answered (with Connection: close) for up to
  // drain_timeout, then cancel what is left, and join the I/O threads.
  // Idempotent; callable from any thread but not from an I/O thread (from one,
  // it only begins the shutdown and returns).
  void stop();

  // Open connections, including ones being refused with 503.
  size_t connection_count() const;
  // Requests whose header was read and whose answer is not yet written.
  size_t requests_in_flight() const;

 private:
  std::unique_ptr<http_detail::ServerCore> core_;
};

}  // namespace promptjang
