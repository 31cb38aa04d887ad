// HttpServer over time and under load: start-up errors, header and idle
// timeouts, the connection cap, graceful stop (drain, then cancel), and many
// concurrent clients.
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/errors.h"
#include "api/server.h"
#include "unit/http/server_fixture.h"

namespace promptjang::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST_F(HttpServerTest, StartReportsATakenAddressAndABadHost) {
  start();
  ServerOptions same = options_;
  same.port = port();
  HttpServer second(same, handler_, *logger_);
  Status s = second.start();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("already in use"), std::string::npos) << s.message();

  ServerOptions bad = options_;
  bad.host = "localhost.invalid";
  HttpServer third(bad, handler_, *logger_);
  EXPECT_EQ(third.start().code(), StatusCode::kInvalidArgument);

  EXPECT_EQ(server_->start().code(), StatusCode::kFailedPrecondition);
}

TEST_F(HttpServerTest, ListensOnIpv6Loopback) {
  options_.host = "::1";
  server_ = std::make_unique<HttpServer>(options_, handler_, *logger_);
  Status s = server_->start();
  if (!s.is_ok()) GTEST_SKIP() << "no IPv6 loopback here: " << s.to_string();
  EXPECT_NE(server_->port(), 0);
}

TEST_F(HttpServerTest, HeaderTimeoutDisconnectsASlowClient) {
  options_.header_timeout = 200ms;
  start();
  TestClient c(port());
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: h\r\n"));  // half a header
  const auto t0 = Clock::now();
  EXPECT_TRUE(c.closed_by_peer(3s));
  EXPECT_GE(Clock::now() - t0, 150ms);
  EXPECT_EQ(handler_.preflights.load(), 0);
}

TEST_F(HttpServerTest, IdleTimeoutClosesAKeepAliveConnection) {
  options_.idle_timeout = 200ms;
  start();
  TestClient c(port());
  ASSERT_TRUE(c.send(get_request("/")));
  ASSERT_TRUE(c.read_reply());
  const auto t0 = Clock::now();
  EXPECT_TRUE(c.closed_by_peer(3s));
  EXPECT_GE(Clock::now() - t0, 150ms);
  EXPECT_TRUE(eventually([&] { return server_->connection_count() == 0; }));
}

TEST_F(HttpServerTest, ConnectionsPastTheCapGet503) {
  options_.max_connections = 2;
  start();
  TestClient a(port()), b(port());
  for (TestClient* c : {&a, &b}) {  // both are surely accepted and counted
    ASSERT_TRUE(c->send(get_request("/")));
    ASSERT_TRUE(c->read_reply());
  }
  {
    TestClient third(port());
    ASSERT_TRUE(third.send(get_request("/")));
    auto reply = third.read_reply();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 503);
    EXPECT_NE(reply->body.find("too many connections"), std::string::npos);
    EXPECT_TRUE(third.closed_by_peer(3s));
  }
  ASSERT_TRUE(a.send(get_request("/still")));  // the first two still work
  auto reply = a.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(handler_.handled.load(), 3);

  b.close();  // a place frees up
  ASSERT_TRUE(eventually([&] { return server_->connection_count() == 1; }));
  TestClient d(port());
  ASSERT_TRUE(d.send(get_request("/")));
  reply = d.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200);
}

TEST_F(HttpServerTest, GracefulStopAnswersInFlightRequestsAndRefusesNewOnes) {
  handler_.on_handle = [this](HttpRequest r, Respond respond) {
    later(300ms,
          [r = std::move(r), respond = std::move(respond)] { respond(StubHandler::echo(r)); });
  };
  start();
  const uint16_t p = port();

  TestClient idle(p);  // an idle keep-alive connection is closed, not waited for
  ASSERT_TRUE(idle.send(get_request("/idle")));
  ASSERT_TRUE(idle.read_reply());

  TestClient busy(p);
  ASSERT_TRUE(busy.send(post_request("/slow", "in flight")));
  ASSERT_TRUE(eventually([&] { return handler_.handled.load() == 2; }));
  auto answer = std::async(std::launch::async, [&busy] {
    auto reply = busy.read_reply();
    busy.close();
    return reply;
  });

  const auto t0 = Clock::now();
  server_->stop();
  const auto took = Clock::now() - t0;
  EXPECT_LT(took, 3s);

  auto reply = answer.get();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, "POST /slow?|in flight");
  EXPECT_EQ(reply->header("connection"), "close");
  EXPECT_TRUE(idle.closed_by_peer(1s));
  EXPECT_EQ(server_->connection_count(), 0u);

  TestClient after(p);
  EXPECT_FALSE(after.connected() && after.send(get_request("/")) && after.read_reply());
  server_->stop();  // idempotent
}

TEST_F(HttpServerTest, StopCancelsRequestsStillBusyAfterTheDrainTimeout) {
  options_.drain_timeout = 200ms;
  std::mutex mu;
  std::vector<Respond> parked;  // answered only after the server is gone
  handler_.on_handle = [&](HttpRequest, Respond respond) {
    std::lock_guard lock(mu);
    parked.push_back(std::move(respond));
  };
  start();
  TestClient c(port());
  ASSERT_TRUE(c.send(get_request("/never")));
  ASSERT_TRUE(eventually([&] { return handler_.handled.load() == 1; }));

  const auto t0 = Clock::now();
  server_->stop();
  const auto took = Clock::now() - t0;
  EXPECT_GE(took, 150ms);
  EXPECT_LT(took, 2s);
  EXPECT_TRUE(c.closed_by_peer(1s));
  server_.reset();

  std::lock_guard lock(mu);
  ASSERT_EQ(parked.size(), 1u);
  parked[0](StubHandler::echo(HttpRequest{}));  // late, and harmless
  parked.clear();                               // dropping it is harmless too
}

TEST_F(HttpServerTest, FiftyConcurrentClientsTimesTwentyRequests) {
  options_.threads = 2;
  handler_.on_handle = [this](HttpRequest r, Respond respond) {
    if (r.path.back() % 2 == 0) return respond(StubHandler::echo(r));
    later(0ms, [r = std::move(r), respond = std::move(respond)] { respond(StubHandler::echo(r)); });
  };
  start();
  constexpr int kClients = 50;
  constexpr int kRequests = 20;
  std::atomic<int> answered{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      TestClient c(port());
      for (int j = 0; j < kRequests; ++j) {
        const std::string target = "/c" + std::to_string(i) + "/r" + std::to_string(j);
        const std::string body = "payload-" + std::to_string(i * 100 + j);
        if (!c.send(post_request(target, body))) return;
        auto reply = c.read_reply();
        if (!reply || reply->status != 200 || reply->body != "POST " + target + "?|" + body) return;
        ++answered;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(answered.load(), kClients * kRequests);
  EXPECT_TRUE(eventually([&] { return server_->connection_count() == 0; }));
}

}  // namespace
}  // namespace promptjang::testing
