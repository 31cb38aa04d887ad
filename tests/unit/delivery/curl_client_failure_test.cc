// Both HttpClients (curl and beast, see sender_fixture.cc) when no usable answer
// comes: timeouts, refused, closed and reset connections, endless headers and
// trailers, DNS and TLS failures, schemes other than http(s), the SSRF guard
// (loopback refused by address, by name, with the receiver never reached), and
// shutdown with transfers in flight.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "delivery/http_client.h"
#include "unit/delivery/raw_server.h"
#include "unit/delivery/sender_fixture.h"

namespace promptjang::testing {
namespace {

using namespace std::chrono_literals;

void hang(RawConn& c) {
  (void)c.read_request();
  c.wait_until_closed();
}

void answer_ok(RawConn& c) {
  while (c.read_request())
    if (!c.write(raw_response(200, "ok"))) return;
}

TEST_P(SenderTest, ReceiverThatNeverAnswersTimesOut) {
  options_.total_timeout = 300ms;
  RawServer receiver(hang);
  ASSERT_TRUE(receiver.ok());
  const auto begin = std::chrono::steady_clock::now();
  OutboundResult r = post(receiver.url());
  const auto elapsed = std::chrono::steady_clock::now() - begin;
  EXPECT_EQ(r.error, "timeout") << r.error_detail;
  EXPECT_FALSE(r.status_code);
  EXPECT_GE(elapsed, 250ms);
  EXPECT_LT(elapsed, 2s);
  EXPECT_GE(r.ended_at - r.started_at, 250ms);
}

TEST_P(SenderTest, ClosedPortIsAConnectionError) {
  // A bound socket that does not listen: connecting to it is refused.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), len), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  OutboundResult r = post("http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/");
  ::close(fd);
  EXPECT_EQ(r.error, "connection") << r.error_detail;
  EXPECT_FALSE(r.status_code);
  EXPECT_FALSE(r.error_detail.empty());
}

TEST_P(SenderTest, PeerClosingWithoutAnAnswerIsAConnectionError) {
  RawServer receiver([](RawConn& c) { (void)c.read_request(); });
  ASSERT_TRUE(receiver.ok());
  OutboundResult r = post(receiver.url());
  EXPECT_EQ(r.error, "connection") << r.error_detail;
  EXPECT_FALSE(r.status_code);
}

TEST_P(SenderTest, PeerResettingIsAConnectionError) {
  RawServer receiver([](RawConn& c) {
    (void)c.read_request();
    c.reset();
  });
  ASSERT_TRUE(receiver.ok());
  OutboundResult r = post(receiver.url());
  EXPECT_EQ(r.error, "connection") << r.error_detail;
  EXPECT_FALSE(r.status_code);
}

TEST_P(SenderTest, ResetMidBodyIsAConnectionErrorWithoutStatus) {
  RawServer receiver([](RawConn& c) {
    if (!c.read_request()) return;
    c.write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly ten..");
    std::this_thread::sleep_for(50ms);
    c.reset();
  });
  ASSERT_TRUE(receiver.ok());
  OutboundResult r = post(receiver.url());
  EXPECT_EQ(r.error, "connection") << r.error_detail;
  EXPECT_FALSE(r.status_code);
}

TEST_P(SenderTest, EndlessResponseHeadersAreCutAsAConnectionError) {
  std::atomic<size_t> written{0};
  RawServer receiver([&](RawConn& c) {
    if (!c.read_request() || !c.write("HTTP/1.1 200 OK\r\n")) return;
    const std::string line = "X-Pad: " + std::string(1000, 'p') + "\r\n";
    while (written.load() < 64u * 1024 * 1024 && c.write(line)) written += line.size();
  });
  ASSERT_TRUE(receiver.ok());
  OutboundResult r = post(receiver.url());
  EXPECT_EQ(r.error, "connection");
  EXPECT_NE(r.error_detail.find("headers over"), std::string::npos) << r.error_detail;
  EXPECT_LT(written.load(), 16u * 1024 * 1024);
}

TEST_P(SenderTest, EndlessTrailersAreCutAsAConnectionError) {
  std::atomic<size_t> written{0};
  RawServer receiver([&](RawConn& c) {
    if (!c.read_request() ||
        !c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n"))
      return;
    const std::string line = "X-Trailer: " + std::string(1000, 't') + "\r\n";
    while (written.load() < 64u * 1024 * 1024 && c.write(line)) written += line.size();
  });
  ASSERT_TRUE(receiver.ok());
  OutboundResult r = post(receiver.url());
  EXPECT_EQ(r.error, "connection") << r.error_detail;
  EXPECT_FALSE(r.status_code);
  EXPECT_NE(r.error_detail.find("headers"), std::string::npos) << r.error_detail;
  EXPECT_LT(written.load(), 16u * 1024 * 1024);
}

TEST_P(SenderTest, UnresolvableHostIsADnsError) {
  OutboundResult r = post("http://nonexistent.invalid/hook");
  EXPECT_EQ(r.error, "dns") << r.error_detail;
  EXPECT_FALSE(r.status_code);
}

TEST_P(SenderTest, HttpsToAPlainHttpServerIsATlsError) {
  LoopbackReceiver receiver;
  OutboundResult r = post("https://127.0.0.1:" + std::to_string(receiver.port()) + "/hook");
  EXPECT_EQ(r.error, "tls") << r.error_detail;
  EXPECT_FALSE(r.status_code);
  EXPECT_EQ(receiver.hits(), 0u);
}

TEST_P(SenderTest, OnlyHttpAndHttpsAreSpoken) {
  RawServer receiver(answer_ok);
  ASSERT_TRUE(receiver.ok());
  const std::string port = std::to_string(receiver.port());
  for (std::string url : {"ftp://127.0.0.1:" + port + "/", "gopher://127.0.0.1:" + port + "/",
                          std::string("file:///etc/hostname"), "dict://127.0.0.1:" + port}) {
    OutboundResult r = post(url);
    EXPECT_EQ(r.error, "connection") << url;
    EXPECT_FALSE(r.status_code) << url;
    EXPECT_NE(r.error_detail.find("rotocol"), std::string::npos) << r.error_detail;
  }
  EXPECT_EQ(receiver.accepted(), 0);
}

TEST_P(SenderTest, SsrfGuardRefusesLoopbackAndTheReceiverIsNeverReached) {
  options_.allow_private_targets = false;
  RawServer v4(answer_ok);
  ASSERT_TRUE(v4.ok());
  RawServer v6(answer_ok, /*ipv6=*/true);

  OutboundResult r = post(v4.url());
  EXPECT_EQ(r.error, "refused_by_policy") << r.error_detail;
  EXPECT_FALSE(r.status_code);
  EXPECT_NE(r.error_detail.find("destination 127.0.0.1 is loopback"), std::string::npos)
      << r.error_detail;

  // A name that resolves to loopback is refused after resolution, by address.
  r = post("http://localhost:" + std::to_string(v4.port()) + "/");
  EXPECT_EQ(r.error, "refused_by_policy") << r.error_detail;
  EXPECT_NE(r.error_detail.find("loopback"), std::string::npos) << r.error_detail;
  EXPECT_EQ(v4.accepted(), 0);

  if (v6.ok()) {  // the machine has IPv6 loopback
    r = post(v6.url());
    EXPECT_EQ(r.error, "refused_by_policy") << r.error_detail;
    EXPECT_NE(r.error_detail.find("destination ::1 is loopback"), std::string::npos)
        << r.error_detail;
    EXPECT_EQ(v6.accepted(), 0);
  }
}

TEST_P(SenderTest, AllowPrivateTargetsLetsLoopbackThrough) {
  options_.allow_private_targets = true;
  RawServer v4(answer_ok);
  ASSERT_TRUE(v4.ok());
  RawServer v6(answer_ok, /*ipv6=*/true);
  EXPECT_EQ(post(v4.url()).status_code, 200);
  EXPECT_EQ(post("http://localhost:" + std::to_string(v4.port()) + "/").status_code, 200);
  EXPECT_GE(v4.accepted(), 1);
  if (v6.ok()) {
    EXPECT_EQ(post(v6.url()).status_code, 200);
    EXPECT_EQ(v6.accepted(), 1);
  }
}

TEST_P(SenderTest, DestructorCompletesEverySendInFlight) {
  options_.total_timeout = 10s;
  RawServer receiver(hang);
  ASSERT_TRUE(receiver.ok());
  std::mutex mu;
  std::vector<OutboundResult> results;
  const auto record = [&](OutboundResult r) {
    std::lock_guard lock(mu);
    results.push_back(std::move(r));
  };
  constexpr int kInFlight = 5;
  for (int i = 0; i < kInFlight; ++i) client().send({receiver.url(), {}, "{}"}, record);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (receiver.accepted() < kInFlight && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  EXPECT_EQ(receiver.accepted(), kInFlight);
  client().send({receiver.url(), {}, "{}"}, record);  // likely still queued

  const auto begin = std::chrono::steady_clock::now();
  client_.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 2s);
  std::lock_guard lock(mu);
  ASSERT_EQ(results.size(), static_cast<size_t>(kInFlight + 1));
  for (const auto& r : results) {
    EXPECT_EQ(r.error, "connection");
    EXPECT_EQ(r.error_detail, "client shut down");
    EXPECT_FALSE(r.status_code);
  }
}

TEST_P(SenderTest, AThrowingCallbackDoesNotStopTheClient) {
  LoopbackReceiver receiver;
  client().send({receiver.url(), {}, "{}"}, [](OutboundResult) { throw std::runtime_error("x"); });
  EXPECT_EQ(post(receiver.url()).status_code, 200);
}

}  // namespace
}  // namespace promptjang::testing
