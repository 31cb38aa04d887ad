// HttpClient: the outbound side of delivery, behind an interface so the
// dispatcher is tested with a scripted client and the product ships a real one
// (curl_client.h). One call = one attempt; the result always comes back through
// the callback, exactly once, on a client thread (never inside send()).
// Thread safety: send() may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"

namespace promptjang {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

inline constexpr size_t kMaxKeptResponseBody = 64 * 1024;

// Bytes of a response body read and dropped after the kept ones before the
// transfer is cut.
inline constexpr size_t kMaxDiscardedResponseBody = 1024 * 1024;

// Header bytes a response may send (all its header lines, 1xx ones included);
// past them the transfer is cut and fails as "connection". Bounds memory: the
// libcurl of Debian 12 (7.88) sets no total limit of its own, nor does Beast's
// parser across interim (1xx) answers.
inline constexpr size_t kMaxResponseHeaderBytes = 64 * 1024;

struct OutboundRequest {
  std::string url;
  HeaderList headers;
  std::string body;  // POSTed as is
};

struct OutboundResult {
  // The HTTP status, when an answer came (any status: 2xx, 3xx, 5xx, ...).
  std::optional<int> status_code;
  // When no usable answer came: timeout | connection | dns | tls | refused_by_policy.
  std::optional<std::string> error;
  std::string error_detail;  // a human sentence, for logs
  HeaderList response_headers;
  std::string response_body;  // at most kMaxKeptResponseBody bytes
  bool response_truncated = false;
  TimePoint started_at;
  TimePoint ended_at;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual void send(OutboundRequest request, std::function<void(OutboundResult)> done) = 0;
};

}  // namespace promptjang
