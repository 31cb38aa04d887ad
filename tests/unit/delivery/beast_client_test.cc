// BeastHttpClient's own behaviour, beyond what SenderTest checks of both
// clients: the pool (reuse, caps, eviction, idle timeout, queued sends timing
// out), the one retry on a stale kept-alive connection, keep-alive as the
// server's answer rules it, the exact request head, URL and SSRF corner cases,
// the set-up timeout, and TLS (verification, SNI, reuse) against a self-signed
// receiver the client is made to trust through SSL_CERT_FILE.
#include "delivery/beast_client.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "unit/delivery/raw_server.h"
#include "unit/delivery/sender_fixture.h"
#include "unit/delivery/tls_server.h"

namespace promptjang::testing {
namespace {

using namespace std::chrono_literals;

class BeastClientTest : public SenderFixture {
 protected:
  BeastClientTest() : SenderFixture(beast_factory()) {}
};

void answer_ok(RawConn& c) {
  while (c.read_request())
    if (!c.write(raw_response(200, "ok"))) return;
}

void hang(RawConn& c) {
  (void)c.read_request();
  c.wait_until_closed();
}

// Sends every request at once and waits (10 s at most) for all the results.
std::vector<OutboundResult> send_all(HttpClient& client, std::vector<OutboundRequest> requests) {
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<OutboundResult> results;
  };
  auto shared = std::make_shared<Shared>();
  const size_t n = requests.size();
  for (auto& request : requests) {
    client.send(std::move(request), [shared](OutboundResult r) {
      std::lock_guard lock(shared->mu);
      shared->results.push_back(std::move(r));
      shared->cv.notify_all();
    });
  }
  std::unique_lock lock(shared->mu);
  EXPECT_TRUE(shared->cv.wait_for(lock, 10s, [&] { return shared->results.size() == n; }))
      << shared->results.size() << " of " << n;
  return shared->results;
}

std::vector<OutboundRequest> copies(const std::string& url, int n, std::string body = "{}") {
  return std::vector<OutboundRequest>(static_cast<size_t>(n), OutboundRequest{url, {}, body});
}

// Waits up to 2 s for `flag`.
bool eventually(const std::atomic<bool>& flag) {
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  while (!flag.load() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  return flag.load();
}

// Sets an environment variable for the life of the object.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = ::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// --- Keep-alive and the retry ---

TEST_F(BeastClientTest, StaleKeptAliveConnectionIsRetriedOnceOnAFreshOne) {
  std::atomic<int> connections{0};
  std::atomic<int> requests{0};
  RawServer receiver([&](RawConn& c) {
    if (++connections == 1) {  // answers once, then drops the next request unanswered
      if (!c.read_request()) return;
      ++requests;
      c.write(raw_response(200, "first"));
      if (c.read_request()) ++requests;
      return;
    }
    while (c.read_request()) {
      ++requests;
      if (!c.write(raw_response(200, "again"))) return;
    }
  });
  ASSERT_TRUE(receiver.ok());
  EXPECT_EQ(post(receiver.url()).response_body, "first");
  OutboundResult r = post(receiver.url());
  EXPECT_EQ(r.status_code, 200) << r.error.value_or("") << ": " << r.error_detail;
  EXPECT_EQ(r.response_body, "again");
  EXPECT_EQ(receiver.accepted(), 2);
  EXPECT_EQ(requests.load(), 3);
}

TEST_F(BeastClientTest, StaleRetryHappensOnlyOnce) {
  std::atomic<int> connections{0};
  RawServer receiver([&](RawConn& c) {
    if (++connections == 1 && c.read_request()) c.write(raw_response(200, "first"));
    (void)c.read_request();  // then every request goes unanswered
  });
  ASSERT_TRUE(receiver.ok());
  EXPECT_EQ(post(receiver.url()).status_code, 200);
  OutboundResult r = post(receiver.url());
  EXPECT_EQ(r.error, "connection") << r.error_detail;
  EXPECT_FALSE(r.status_code);
  EXPECT_EQ(receiver.accepted(), 2);
}

TEST_F(BeastClientTest, FailureOnAFreshConnectionIsNotRetried) {
  RawServer receiver([](RawConn& c) { (void)c.read_request(); });
  ASSERT_TRUE(receiver.ok());
  EXPECT_EQ(post(receiver.url()).error, "connection");
  EXPECT_EQ(receiver.accepted(), 1);
}

TEST_F(BeastClientTest, ConnectionTheServerClosedWhileIdleIsNotReused) {
  RawServer receiver([](RawConn& c) {
    if (c.read_request()) c.write(raw_response(200, "ok"));  // then closes
  });
  ASSERT_TRUE(receiver.ok());
  EXPECT_EQ(post(receiver.url()).status_code, 200);
  std::this_thread::sleep_for(300ms);  // idle long enough to be checked before reuse
  OutboundResult r = post(receiver.url());
  EXPECT_EQ(r.status_code, 200) << r.error.value_or("") << ": " << r.error_detail;
  EXPECT_EQ(receiver.accepted(), 2);
}

TEST_F(BeastClientTest, ConnectionCloseFromTheServerIsHonoured) {
  RawServer receiver([](RawConn& c) {
    if (c.read_request())
      c.write("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
    c.wait_until_closed();  // the client must close it
  });
  ASSERT_TRUE(receiver.ok());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(post(receiver.url()).status_code, 200);
  EXPECT_EQ(receiver.accepted(), 3);
}

TEST_F(BeastClientTest, Http10AnswersAreNotKeptAliveAndMayRunToTheEnd) {
  std::atomic<int> connections{0};
  RawServer receiver([&](RawConn& c) {
    if (!c.read_request()) return;
    if (++connections == 1) {
      c.write("HTTP/1.0 200 OK\r\n\r\nto the end");  // then closes: that ends the body
      return;
    }
    c.write("HTTP/1.0 201 Created\r\nContent-Length: 2\r\n\r\nok");
    c.wait_until_closed();
  });
  ASSERT_TRUE(receiver.ok());
  OutboundResult r = post(receiver.url());
  EXPECT_EQ(r.status_code, 200) << r.error.value_or("") << ": " << r.error_detail;
  EXPECT_EQ(r.response_body, "to the end");
  EXPECT_EQ(post(receiver.url()).status_code, 201);
  EXPECT_EQ(post(receiver.url()).status_code, 201);
  EXPECT_EQ(receiver.accepted(), 3);
}

TEST_F(BeastClientTest, AnAnswerBeforeTheWholeBodyWasSentIsReported) {
  RawServer receiver([](RawConn& c) {
    c.write(raw_response(413, "too big"));  // before reading anything
    c.wait_until_closed();
  });
  ASSERT_TRUE(receiver.ok());
  OutboundResult r = post(receiver.url(), std::string(8 * 1024 * 1024, 'b'));
  EXPECT_EQ(r.status_code, 413) << r.error.value_or("") << ": " << r.error_detail;
  EXPECT_EQ(r.response_body, "too big");
}

// --- The pool ---

TEST_F(BeastClientTest, ThousandSequentialSendsReuseAHandfulOfConnections) {
  RawServer receiver(answer_ok);
  ASSERT_TRUE(receiver.ok());
  int ok = 0;
  for (int i = 0; i < 1000; ++i) ok += post(receiver.url()).status_code == 200 ? 1 : 0;
  EXPECT_EQ(ok, 1000);
  EXPECT_LE(receiver.accepted(), 2);
}

TEST_F(BeastClientTest, PoolNeverExceedsItsCap) {
  options_.max_total_connections = 2;
  std::atomic<int> open{0};
  std::atomic<int> peak{0};
  RawServer receiver([&](RawConn& c) {
    const int now = ++open;
    for (int p = peak.load(); now > p && !peak.compare_exchange_weak(p, now);) {
    }
    while (c.read_request()) {
      std::this_thread::sleep_for(5ms);
      if (!c.write(raw_response(200, "ok"))) break;
    }
    --open;
  });
  ASSERT_TRUE(receiver.ok());
  for (const auto& r : send_all(client(), copies(receiver.url(), 20)))
    EXPECT_EQ(r.status_code, 200) << r.error.value_or("") << ": " << r.error_detail;
  EXPECT_LE(peak.load(), 2);
  EXPECT_LE(receiver.accepted(), 2);
}

TEST_F(BeastClientTest, HostCapQueuesSendsForThatHost) {
  options_.max_host_connections = 1;
  RawServer receiver(answer_ok);
  ASSERT_TRUE(receiver.ok());
  for (const auto& r : send_all(client(), copies(receiver.url(), 10)))
    EXPECT_EQ(r.status_code, 200) << r.error.value_or("") << ": " << r.error_detail;
  EXPECT_EQ(receiver.accepted(), 1);
}

TEST_F(BeastClientTest, AnIdleConnectionIsClosedToMakeRoomForAnotherHost) {
  options_.max_total_connections = 1;
  std::atomic<bool> a_closed{false};
  RawServer a([&](RawConn& c) {
    answer_ok(c);
    a_closed = true;
  });
  RawServer b(answer_ok);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(post(a.url()).status_code, 200);
  const auto begin = std::chrono::steady_clock::now();
  EXPECT_EQ(post(b.url()).status_code, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 1s);
  EXPECT_TRUE(eventually(a_closed));
}

TEST_F(BeastClientTest, IdleConnectionsAreClosedAfterTheIdleTimeout) {
  options_.idle_timeout = 100ms;
  std::atomic<bool> closed{false};
  RawServer receiver([&](RawConn& c) {
    answer_ok(c);
    closed = true;
  });
  ASSERT_TRUE(receiver.ok());
  EXPECT_EQ(post(receiver.url()).status_code, 200);
  EXPECT_TRUE(eventually(closed));
  EXPECT_EQ(post(receiver.url()).status_code, 200);
  EXPECT_EQ(receiver.accepted(), 2);
}

TEST_F(BeastClientTest, SendsQueuedOverTheCapStillTimeOut) {
  options_.max_total_connections = 1;
  options_.total_timeout = 300ms;
  RawServer receiver(hang);
  ASSERT_TRUE(receiver.ok());
  const auto begin = std::chrono::steady_clock::now();
  const auto results = send_all(client(), copies(receiver.url(), 3));
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 2s);
  int queued = 0;
  for (const auto& r : results) {
    EXPECT_EQ(r.error, "timeout") << r.error_detail;
    if (r.error_detail.find("waiting for a free connection") != std::string::npos) ++queued;
  }
  EXPECT_GE(queued, 1);  // (2 unless the client thread lagged between the sends)
}

TEST_F(BeastClientTest, DestructorCompletesSendsQueuedOverTheCap) {
  options_.max_total_connections = 1;
  options_.total_timeout = 10s;
  RawServer receiver(hang);
  ASSERT_TRUE(receiver.ok());
  std::mutex mu;
  std::vector<OutboundResult> results;
  for (int i = 0; i < 3; ++i)
    client().send({receiver.url(), {}, "{}"}, [&](OutboundResult r) {
      std::lock_guard lock(mu);
      results.push_back(std::move(r));
    });
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (receiver.accepted() < 1 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  client_.reset();
  std::lock_guard lock(mu);
  ASSERT_EQ(results.size(), 3u);
  for (const auto& r : results) EXPECT_EQ(r.error_detail, "client shut down");
}

TEST_F(BeastClientTest, ACallbackMaySendAgain) {
  LoopbackReceiver receiver;
  auto done = std::make_shared<std::promise<int>>();
  auto future = done->get_future();
  std::function<void(int, OutboundResult)> next = [&](int n, OutboundResult r) {
    if (r.status_code != 200 || n == 3) return done->set_value(r.status_code == 200 ? n : -n);
    client_->send({receiver.url(), {}, "{}"},
                  [&, n](OutboundResult again) { next(n + 1, std::move(again)); });
  };
  client().send({receiver.url(), {}, "{}"}, [&](OutboundResult r) { next(1, std::move(r)); });
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(future.get(), 3);
  EXPECT_EQ(receiver.hits(), 3u);
}

// --- What goes out ---

TEST_F(BeastClientTest, RequestHeadIsExactlyWhatWasAsked) {
  options_.user_agent = "UA/1";
  std::mutex mu;
  std::string raw;
  RawServer receiver([&](RawConn& c) {
    if (auto request = c.read_request()) {
      {
        std::lock_guard lock(mu);
        raw = *request;
      }
      c.write(raw_response(200, "ok"));
    }
  });
  ASSERT_TRUE(receiver.ok());
  const HeaderList headers = {{"X-One", "1"},
                              {"Bad\r\nName", "x"},
                              {"X-Two", "a\r\nInjected: yes"},
                              {"Content-Length", "999"},
                              {"Expect", "100-continue"},
                              {"X-Empty", ""}};
  EXPECT_EQ(post(receiver.url("/a/b?c=d#fragment"), "xyz", headers).status_code, 200);
  std::lock_guard lock(mu);
  EXPECT_EQ(raw,
            "POST /a/b?c=d HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(receiver.port()) +
                "\r\nUser-Agent: UA/1\r\nX-One: 1\r\nX-Empty: \r\nContent-Length: 3\r\n\r\nxyz");
}

TEST_F(BeastClientTest, HostHeaderOfAnIpv6LiteralIsBracketed) {
  std::mutex mu;
  std::string raw;
  RawServer receiver(
      [&](RawConn& c) {
        if (auto request = c.read_request()) {
          {
            std::lock_guard lock(mu);
            raw = *request;
          }
          c.write(raw_response(200, "ok"));
        }
      },
      /*ipv6=*/true);
  if (!receiver.ok()) GTEST_SKIP() << "no IPv6 loopback";
  EXPECT_EQ(post(receiver.url("/")).status_code, 200);
  std::lock_guard lock(mu);
  EXPECT_NE(raw.find("\r\nHost: [::1]:" + std::to_string(receiver.port()) + "\r\n"),
            std::string::npos)
      << raw;
}

TEST_F(BeastClientTest, MalformedUrlsAreConnectionErrors) {
  for (const char* url : {"http://exa mple.com/", "http:///path", "not a url", "https://[::1/",
                          "http://example.com:99999/"}) {
    OutboundResult r = post(url);
    EXPECT_EQ(r.error, "connection") << url;
    EXPECT_FALSE(r.status_code) << url;
  }
}

TEST_F(BeastClientTest, SsrfGuardSeesThroughOtherSpellingsOfLoopback) {
  options_.allow_private_targets = false;
  RawServer receiver(answer_ok);
  ASSERT_TRUE(receiver.ok());
  const std::string port = std::to_string(receiver.port());
  OutboundResult r = post("http://[::ffff:127.0.0.1]:" + port + "/");
  EXPECT_EQ(r.error, "refused_by_policy") << r.error_detail;
  for (std::string host : {"0x7f000001", "2130706433", "127.1"}) {
    r = post("http://" + host + ":" + port + "/");
    EXPECT_TRUE(r.error) << host;  // refused after resolution (or not resolved at all)
    EXPECT_FALSE(r.status_code) << host;
  }
  EXPECT_EQ(receiver.accepted(), 0);
}

// --- Set-up and TLS ---

TEST_F(BeastClientTest, ConnectTimeoutBoundsTheTlsHandshake) {
  options_.connect_timeout = 200ms;
  RawServer receiver(hang);  // accepts, never shakes hands
  ASSERT_TRUE(receiver.ok());
  const auto begin = std::chrono::steady_clock::now();
  OutboundResult r = post("https://127.0.0.1:" + std::to_string(receiver.port()) + "/");
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 1500ms);
  EXPECT_EQ(r.error, "timeout") << r.error_detail;
  EXPECT_NE(r.error_detail.find("connect_timeout"), std::string::npos) << r.error_detail;
}

TEST_F(BeastClientTest, TlsExchangeIsVerifiedSendsSniAndReusesTheConnection) {
  TlsServer server;
  ScopedEnv trust("SSL_CERT_FILE", server.cert_file());
  const std::string url = "https://localhost:" + std::to_string(server.port()) + "/hook";
  OutboundResult r = post(url, "small");
  EXPECT_EQ(r.status_code, 200) << r.error.value_or("") << ": " << r.error_detail;
  EXPECT_EQ(r.response_body, "tls ok");
  const std::string big(100 * 1024, 'x');  // past the size a TLS body is coalesced at
  EXPECT_EQ(post(url, big).status_code, 200);
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(server.server_names(), std::vector<std::string>{"localhost"});
  EXPECT_EQ(server.bodies(), (std::vector<std::string>{"small", big}));
}

TEST_F(BeastClientTest, TlsNameMismatchIsATlsError) {
  TlsServer server;  // its certificate names only "localhost"
  ScopedEnv trust("SSL_CERT_FILE", server.cert_file());
  OutboundResult r = post("https://127.0.0.1:" + std::to_string(server.port()) + "/");
  EXPECT_EQ(r.error, "tls") << r.error_detail;
  EXPECT_TRUE(server.bodies().empty());
}

TEST_F(BeastClientTest, UntrustedCertificateIsATlsError) {
  TlsServer server;
  OutboundResult r = post("https://localhost:" + std::to_string(server.port()) + "/");
  EXPECT_EQ(r.error, "tls") << r.error_detail;
  EXPECT_NE(r.error_detail.find("verify"), std::string::npos) << r.error_detail;
  EXPECT_TRUE(server.bodies().empty());
}

}  // namespace
}  // namespace promptjang::testing
