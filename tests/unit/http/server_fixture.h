// Shared pieces of the HttpServer tests: a scriptable HttpHandler and a fixture
// that starts a server on port 0 with short timeouts and joins, at tear-down,
// every thread a handler started to answer "later".
// Thread safety: StubHandler is called concurrently from the I/O threads; its
// scripts are set before the server starts and only read afterwards.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <variant>
#include <vector>

#include "api/http_types.h"
#include "api/server.h"
#include "core/log.h"
#include "unit/http/test_client.h"

namespace promptjang::testing {

class StubHandler : public HttpHandler {
 public:
  using PreflightFn = std::function<std::variant<size_t, HttpResponse>(const HttpRequest&)>;
  using HandleFn = std::function<void(HttpRequest, Respond)>;

  std::variant<size_t, HttpResponse> preflight(HttpRequest& head) override {
    ++preflights;
    if (on_preflight) return on_preflight(head);
    return size_t{1024};
  }

  void handle(HttpRequest request, Respond respond) override {
    ++handled;
    if (on_handle) return on_handle(std::move(request), std::move(respond));
    respond(echo(request));
  }

  // 200 text/plain "METHOD path?query|body".
  static HttpResponse echo(const HttpRequest& r) {
    HttpResponse res;
    res.content_type = "text/plain";
    res.body = r.method + " " + r.path + "?" + r.query + "|" + r.body;
    return res;
  }

  PreflightFn on_preflight;
  HandleFn on_handle;
  std::atomic<int> preflights{0};
  std::atomic<int> handled{0};
};

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest() : logger_(make_null_logger()) {
    options_.port = 0;
    options_.threads = 2;
    options_.idle_timeout = std::chrono::seconds(10);
    options_.drain_timeout = std::chrono::seconds(5);
  }

  void TearDown() override {
    if (server_) server_->stop();
    server_.reset();
    std::lock_guard lock(workers_mu_);
    for (auto& t : workers_) t.join();
  }

  void start() {
    server_ = std::make_unique<HttpServer>(options_, handler_, *logger_);
    Status s = server_->start();
    ASSERT_TRUE(s.is_ok()) << s.to_string();
  }
  uint16_t port() const { return server_->port(); }

  // Runs fn on a thread of its own after `delay` (a handler answering later).
  void later(std::chrono::milliseconds delay, std::function<void()> fn) {
    std::lock_guard lock(workers_mu_);
    workers_.emplace_back([delay, fn = std::move(fn)] {
      std::this_thread::sleep_for(delay);
      fn();
    });
  }

  // Polls `pred` until it holds or `within` passes.
  static bool eventually(const std::function<bool()>& pred,
                         std::chrono::milliseconds within = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
  }

  std::shared_ptr<Logger> logger_;
  ServerOptions options_;
  StubHandler handler_;
  std::unique_ptr<HttpServer> server_;
  std::mutex workers_mu_;
  std::vector<std::thread> workers_;  // guarded by workers_mu_
};

}  // namespace promptjang::testing
