// Receiver: a real webhook receiver for tests — our own Beast HttpServer on
// 127.0.0.1 port 0 with a scripted answer per path — that records every
// delivery it gets (headers, raw body, arrival time).
//
// Scripts: a status per path ("/ok" -> 200, "/gone" -> 410), an optional delay
// before answering (to make a slow or hanging endpoint), an optional response
// body, and `fail_every` N: every Nth request to the path answers 503 instead
// (a flaky endpoint). Unscripted paths answer 200.
// Thread safety: all methods may be called from any thread.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/server.h"
#include "core/log.h"

namespace promptjang::testing {

struct Delivery {
  std::string path;
  std::map<std::string, std::string> headers;  // lowercased names
  std::string body;
  std::chrono::steady_clock::time_point at;
  int status = 0;  // what the receiver answered
};

struct Script {
  Script(int status = 200, std::chrono::milliseconds delay = std::chrono::milliseconds(0),
         std::string body = "ok", std::vector<std::pair<std::string, std::string>> headers = {})
      : status(status), delay(delay), body(std::move(body)), headers(std::move(headers)) {}
  int status;
  int fail_every = 0;  // > 0: every Nth request answers 503
  std::chrono::milliseconds delay;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

class Receiver {
 public:
  Receiver();
  ~Receiver();

  std::string url(const std::string& path) const;
  uint16_t port() const;
  void script(const std::string& path, Script s);

  std::vector<Delivery> deliveries(const std::string& path = "") const;
  // Waits (real time, bounded) until `path` got at least `n` deliveries.
  bool wait_for(const std::string& path, size_t n, std::chrono::milliseconds limit) const;

 private:
  class Handler;
  std::shared_ptr<Logger> logger_;
  std::unique_ptr<Handler> handler_;
  std::unique_ptr<HttpServer> server_;
};

}  // namespace promptjang::testing
