// BeastHttpClient: an HttpClient on Boost.Beast/Asio, a leaner drop-in for
// CurlHttpClient that keeps every guarantee curl_client.h documents.
//
// Threads: send() may be called from any thread; it posts the request to the
// client's io_context and returns at once. One client thread runs that
// io_context; every `done` callback runs on it, exactly once, never inside
// send(). A callback may call send() again; it must not block for long (it
// holds up every other transfer); one that throws is logged and forgotten.
// Host names are resolved with getaddrinfo on a few helper threads of the
// client's own (so one slow DNS server does not hold up other hosts), whose
// answers come back to the client thread.
//
// What goes on the wire: an HTTP/1.1 POST (http or https only, system CA store,
// peer and host name verified, SNI sent for names) of the body as is, with a
// Host header (and its port when not the scheme's default), the request's
// headers as given (Content-Length, Transfer-Encoding and Expect excepted, and
// any with a CR, LF or NUL), options.user_agent as User-Agent when the request
// has none, and Content-Length. Nothing else: no Content-Type, Expect or Accept.
// Redirects are never followed (a 301 is reported as 301). No proxy is used.
//
// SSRF (SPEC §3): unless allow_private_targets, every resolved address (an IP
// literal host too) goes through forbidden_reason(); only the ones it lets
// through are connected to, so the connected address is a checked one. When it
// refuses them all, the receiver is never contacted and the result says
// refused_by_policy.
//
// Timeouts: connect_timeout bounds resolution, TCP connect (split between the
// addresses a name resolves to) and the TLS handshake of a new connection;
// total_timeout bounds the whole attempt from the moment the client thread takes
// it up, waiting for a free connection included. Either ends it as "timeout".
//
// Connections: kept alive and pooled by (scheme, host, port); an idle one is
// reused (the most recently used first), closed after idle_timeout, or closed to
// make room for another host when max_total_connections is reached. A send over
// the caps waits, in order, for a connection. When a reused connection fails
// before any byte of the answer came (the server dropped it while idle), the
// request is sent once more, on a fresh connection.
//
// Response: as CurlHttpClient: interim 1xx answers are skipped; the first
// kMaxKeptResponseBody bytes of the body are kept (response_truncated when more
// came), up to kMaxDiscardedResponseBody more are read and dropped, then the
// connection is cut, still reporting the status. Header bytes are capped at
// kMaxResponseHeaderBytes over all header blocks (past them: "connection").
// A result carries a status_code or an error, never both: an answer cut short
// (reset or closed mid-body, timeout) is an error.
//
// Lifetime: the destructor stops the thread; every pending send completes (on
// the client thread, before the destructor returns) with error "connection",
// detail "client shut down". send() must not be called once the destructor has
// begun. The clock and the logger must outlive the client.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/log.h"
#include "delivery/http_client.h"

namespace promptjang {

// CurlClientOptions' fields, with the same meaning, plus idle_timeout. Both
// timeouts must be positive (the constructor throws std::invalid_argument).
struct BeastClientOptions {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds total_timeout{15000};
  bool allow_private_targets = false;             // SSRF guard off (local use / tests)
  size_t max_total_connections = 256;             // open connections, all hosts; 0 = unlimited
  size_t max_host_connections = 0;                // per (scheme, host, port); 0 = unlimited
  std::string user_agent;                         // sent when the request has no User-Agent
  std::chrono::milliseconds idle_timeout{30000};  // an idle kept-alive connection is closed
};

namespace beast_detail {
class Loop;  // beast_client.cc
}  // namespace beast_detail

class BeastHttpClient final : public HttpClient {
 public:
  // Throws std::invalid_argument for a non-positive timeout and
  // std::runtime_error when TLS cannot be set up (no usable CA store).
  BeastHttpClient(BeastClientOptions options, const Clock& clock, Logger& logger);
  ~BeastHttpClient() override;
  BeastHttpClient(const BeastHttpClient&) = delete;
  BeastHttpClient& operator=(const BeastHttpClient&) = delete;

  void send(OutboundRequest request, std::function<void(OutboundResult)> done) override;

 private:
  std::unique_ptr<beast_detail::Loop> loop_;
};

}  // namespace promptjang
