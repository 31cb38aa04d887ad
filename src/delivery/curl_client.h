// CurlHttpClient: the real HttpClient, libcurl's multi interface on a thread of
// its own.
//
// Threads: send() may be called from any thread; it queues the request (mutex +
// curl_multi_wakeup) and returns at once. One client thread runs
// curl_multi_poll/perform, and every `done` callback runs on it, exactly once,
// never inside send(). A callback may call send() again; it must not block for
// long (it holds up every other transfer).
//
// What goes on the wire: an HTTP/1.1 POST (http or https only, system CA store,
// verification on) of the body as is, with the request's headers and no
// "Expect: 100-continue" or curl-made Content-Type. Redirects are never followed
// (a 301 is reported as 301). Proxies from the environment are ignored, so the
// SSRF guard sees the real destination. Connections are kept alive and reused
// through the multi handle's connection cache.
//
// SSRF (SPEC §3): unless allow_private_targets, each address curl is about to
// connect to (after DNS: no rebinding bypass) goes through forbidden_reason();
// a refused one is never connected to, and the result says refused_by_policy.
//
// Response: the first kMaxKeptResponseBody bytes of the body are kept
// (response_truncated when more came); up to kMaxDiscardedResponseBody more are
// read and dropped, then the transfer is cut, still reporting the status code.
// Headers are those of the final response (kMaxResponseHeaderBytes at most).
// A result carries a status_code (any status, 3xx included) or an error, never
// both: a transfer that fails after the status line (reset mid-body, timeout)
// is an error, as the receiver's answer never fully arrived.
//
// Lifetime: the destructor stops the thread; every pending send completes (on
// the client thread, before the destructor returns) with error "connection",
// detail "client shut down". send() must not be called once the destructor has
// begun. The clock and the logger must outlive the client.
//
// libcurl's global state: curl_global_init runs once per process, from the first
// constructor, through a function-local static; curl_global_cleanup is never
// called (process exit frees it), so clients can come and go freely.
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

struct CurlClientOptions {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds total_timeout{15000};
  bool allow_private_targets = false;  // SSRF guard off (local use / tests)
  size_t max_total_connections = 256;  // CURLMOPT_MAX_TOTAL_CONNECTIONS
  size_t max_host_connections = 0;     // 0 = unlimited (the dispatcher caps per endpoint)
  std::string user_agent;              // informational; the request's headers carry User-Agent
};

namespace curl_detail {
class MultiLoop;  // curl_client.cc
}  // namespace curl_detail

class CurlHttpClient final : public HttpClient {
 public:
  // Throws std::runtime_error if libcurl cannot be set up (out of memory, or a
  // libcurl older than 7.85 without CURLOPT_PROTOCOLS_STR).
  CurlHttpClient(CurlClientOptions options, const Clock& clock, Logger& logger);
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  void send(OutboundRequest request, std::function<void(OutboundResult)> done) override;

 private:
  std::unique_ptr<curl_detail::MultiLoop> loop_;
};

}  // namespace promptjang
