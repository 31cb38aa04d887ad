// Shared pieces of the HttpClient tests: a loopback receiver built on our
// HttpServer with a scripted answer, and fixtures that make a client and send
// through it, waiting for the callback with a bound. SenderTest is
// parameterised by the client (sender_fixture.cc runs every TEST_P of it against
// CurlHttpClient and BeastHttpClient); SenderFixture is the same for one client.
// Thread safety: the receiver's handler runs on the server's I/O threads; what it
// records is under a mutex. The fixture's helpers are called from the test thread.
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "api/http_types.h"
#include "api/server.h"
#include "core/clock.h"
#include "core/log.h"
#include "delivery/beast_client.h"
#include "delivery/http_client.h"

namespace promptjang::testing {

// An HttpServer on 127.0.0.1 (or ::1), port 0, answering with `script`
// (default: 200 "ok") and keeping every request it got.
class LoopbackReceiver : public HttpHandler {
 public:
  using Script = std::function<HttpResponse(const HttpRequest&)>;

  explicit LoopbackReceiver(Script script = {}, std::string host = "127.0.0.1")
      : script_(std::move(script)), host_(std::move(host)), logger_(make_null_logger()) {
    ServerOptions options;
    options.host = host_;
    options.port = 0;
    options.threads = 2;
    options.drain_timeout = std::chrono::seconds(2);
    server_ = std::make_unique<HttpServer>(options, *this, *logger_);
    Status s = server_->start();
    EXPECT_TRUE(s.is_ok()) << s.to_string();
  }
  ~LoopbackReceiver() override { server_->stop(); }

  uint16_t port() const { return server_->port(); }
  std::string url(const std::string& path = "/hook") const {
    const bool v6 = host_.find(':') != std::string::npos;
    return "http://" + (v6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port()) + path;
  }
  std::vector<HttpRequest> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  size_t hits() {
    std::lock_guard lock(mu_);
    return requests_.size();
  }

  std::variant<size_t, HttpResponse> preflight(HttpRequest&) override {
    return size_t{4 * 1024 * 1024};
  }
  void handle(HttpRequest request, Respond respond) override {
    HttpResponse res;
    res.content_type = "text/plain";
    res.body = "ok";
    if (script_) res = script_(request);
    {
      std::lock_guard lock(mu_);
      requests_.push_back(std::move(request));
    }
    respond(std::move(res));
  }

 private:
  Script script_;
  std::string host_;
  std::shared_ptr<Logger> logger_;
  std::unique_ptr<HttpServer> server_;
  std::mutex mu_;
  std::vector<HttpRequest> requests_;  // guarded by mu_
};

// Makes the client under test. The options are BeastClientOptions, a superset
// of CurlClientOptions (idle_timeout means nothing to curl).
struct ClientFactory {
  std::string name;  // the test name suffix: "curl", "beast"
  std::function<std::unique_ptr<HttpClient>(const BeastClientOptions&, const Clock&, Logger&)> make;
};
inline void PrintTo(const ClientFactory& factory, std::ostream* os) { *os << factory.name; }
ClientFactory curl_factory();   // sender_fixture.cc
ClientFactory beast_factory();  // sender_fixture.cc

class SenderFixture : public ::testing::Test {
 protected:
  explicit SenderFixture(ClientFactory factory)
      : factory_(std::move(factory)), logger_(make_null_logger()) {
    options_.allow_private_targets = true;  // every receiver here is on loopback
    options_.connect_timeout = std::chrono::seconds(2);
    options_.total_timeout = std::chrono::seconds(4);
  }

  HttpClient& client() {
    if (!client_) client_ = factory_.make(options_, clock_, *logger_);
    return *client_;
  }

  // Sends and waits up to `within` for the result; a missing callback fails the
  // test and answers error "test: no callback".
  OutboundResult post(std::string url, std::string body = "{}", HeaderList headers = {},
                      std::chrono::milliseconds within = std::chrono::seconds(8)) {
    auto promise = std::make_shared<std::promise<OutboundResult>>();
    auto future = promise->get_future();
    OutboundRequest request{std::move(url), std::move(headers), std::move(body)};
    client().send(std::move(request),
                  [promise](OutboundResult r) { promise->set_value(std::move(r)); });
    if (future.wait_for(within) != std::future_status::ready) {
      ADD_FAILURE() << "no callback within " << within.count() << " ms";
      OutboundResult r;
      r.error = "test: no callback";
      return r;
    }
    return future.get();
  }

  static std::string header(const HeaderList& headers, const std::string& lower_name) {
    for (const auto& [n, v] : headers) {
      std::string lower(n);
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower == lower_name) return v;
    }
    return "";
  }

  ClientFactory factory_;
  SystemClock clock_;
  std::shared_ptr<Logger> logger_;
  BeastClientOptions options_;
  std::unique_ptr<HttpClient> client_;
};

class SenderTest : public SenderFixture, public ::testing::WithParamInterface<ClientFactory> {
 protected:
  SenderTest() : SenderFixture(GetParam()) {}
};

}  // namespace promptjang::testing
