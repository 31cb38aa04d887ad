// Both HttpClients (curl and beast, see sender_fixture.cc) against receivers
// that answer: what goes out (body and headers byte for byte, no Expect, no
// client-made Content-Type), what comes back (status, headers of the final
// response, the body cut at 64 KiB), redirects not followed, keep-alive reuse
// and many transfers at once.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "delivery/http_client.h"
#include "unit/delivery/raw_server.h"
#include "unit/delivery/sender_fixture.h"

namespace promptjang::testing {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;

HttpResponse answer(int status, std::string body = "", std::string content_type = "text/plain") {
  HttpResponse res;
  res.status = status;
  res.body = std::move(body);
  res.content_type = std::move(content_type);
  return res;
}

TEST_P(SenderTest, OkAnswerStatusHeadersAndBodyAreRead) {
  LoopbackReceiver receiver([](const HttpRequest&) {
    HttpResponse res = answer(200, R"({"received":true})", "application/json");
    res.headers.add("X-Custom", "abc  def");
    return res;
  });
  const TimePoint before = clock_.now();
  OutboundResult r = post(receiver.url());
  const TimePoint after = clock_.now();
  ASSERT_FALSE(r.error) << *r.error << ": " << r.error_detail;
  EXPECT_EQ(r.status_code, 200);
  EXPECT_EQ(r.response_body, R"({"received":true})");
  EXPECT_FALSE(r.response_truncated);
  EXPECT_EQ(header(r.response_headers, "x-custom"), "abc  def");
  EXPECT_EQ(header(r.response_headers, "content-type"), "application/json");
  EXPECT_EQ(header(r.response_headers, "content-length"), "17");
  EXPECT_LE(before, r.started_at);
  EXPECT_LE(r.started_at, r.ended_at);
  EXPECT_LE(r.ended_at, after);
}

TEST_P(SenderTest, RequestBodyAndHeadersArriveByteForByte) {
  LoopbackReceiver receiver;
  std::string body =
      "  {\"event\" :  \"order.created\" ,\n\t\"name\": \"Zoë 日本 \xF0\x9F\x8E\x89\",";
  body += "\"raw\": \"\0\x01\x7f\xff\xfe\"\r\n}  "s;  // a NUL inside
  const HeaderList headers = {
      {"Content-Type", "application/json"},
      {"User-Agent", "PromptJang/0.1.0"},
      {"X-PromptJang-Signature", "0a1b2c3d"},
      {"webhook-id", "evt_0123"},
      {"webhook-signature", "v1,abc= v1,def="},
      {"X-Spaced", "a  b   c"},
      {"X-Empty", ""},
  };
  OutboundResult r = post(receiver.url("/hooks/in?x=1"), body, headers);
  ASSERT_FALSE(r.error) << *r.error << ": " << r.error_detail;
  ASSERT_EQ(receiver.hits(), 1u);
  const HttpRequest got = receiver.requests().front();
  EXPECT_EQ(got.method, "POST");
  EXPECT_EQ(got.path, "/hooks/in");
  EXPECT_EQ(got.query, "x=1");
  EXPECT_EQ(got.body, body);
  EXPECT_EQ(got.headers.get("content-length").value_or(""), std::to_string(body.size()));
  for (const auto& [name, value] : headers)
    EXPECT_EQ(got.headers.get(name).value_or("<missing>"), value) << name;
  EXPECT_FALSE(got.headers.get("expect"));
  EXPECT_FALSE(got.headers.get("transfer-encoding"));
  int content_types = 0;
  for (const auto& [name, value] : got.headers.fields())
    if (name == "Content-Type" || name == "content-type") ++content_types;
  EXPECT_EQ(content_types, 1);
}

TEST_P(SenderTest, NoContentTypeOrExpectIsAdded) {
  LoopbackReceiver receiver;
  // A body past 1 MiB is where curl 7.88 would otherwise ask for 100-continue.
  OutboundResult r = post(receiver.url(), std::string(1536 * 1024, 'x'));
  ASSERT_EQ(r.status_code, 200) << r.error.value_or("") << " " << r.error_detail;
  const HttpRequest got = receiver.requests().front();
  EXPECT_FALSE(got.headers.get("content-type"));
  EXPECT_FALSE(got.headers.get("expect"));
  EXPECT_EQ(got.body.size(), 1536u * 1024);
}

TEST_P(SenderTest, UserAgentOptionIsUsedOnlyWhenTheRequestHasNone) {
  options_.user_agent = "FromOptions/1";
  LoopbackReceiver receiver;
  (void)post(receiver.url());
  (void)post(receiver.url(), "{}", {{"User-Agent", "PromptJang/9"}});
  const auto got = receiver.requests();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].headers.get("user-agent").value_or(""), "FromOptions/1");
  EXPECT_EQ(got[1].headers.get("user-agent").value_or(""), "PromptJang/9");
}

TEST_P(SenderTest, NoContentIsReported) {
  LoopbackReceiver receiver([](const HttpRequest&) { return answer(204); });
  OutboundResult r = post(receiver.url());
  EXPECT_FALSE(r.error);
  EXPECT_EQ(r.status_code, 204);
  EXPECT_EQ(r.response_body, "");
}

TEST_P(SenderTest, RedirectIsReportedAndNeverFollowed) {
  RawServer elsewhere([](RawConn& c) {
    if (c.read_request()) c.write(raw_response(200, "followed"));
  });
  ASSERT_TRUE(elsewhere.ok());
  for (int status : {301, 302, 307, 308}) {
    LoopbackReceiver receiver([&](const HttpRequest&) {
      HttpResponse res = answer(status, "moved");
      res.headers.add("Location", elsewhere.url("/target"));
      return res;
    });
    OutboundResult r = post(receiver.url());
    EXPECT_FALSE(r.error) << status;
    EXPECT_EQ(r.status_code, status);
    EXPECT_EQ(header(r.response_headers, "location"), elsewhere.url("/target"));
    EXPECT_EQ(r.response_body, "moved");
    EXPECT_EQ(receiver.hits(), 1u);
  }
  EXPECT_EQ(elsewhere.accepted(), 0);
}

TEST_P(SenderTest, ErrorStatusesAreReportedWithTheirBody) {
  for (int status : {400, 410, 500, 503}) {
    LoopbackReceiver receiver(
        [status](const HttpRequest&) { return answer(status, "no " + std::to_string(status)); });
    OutboundResult r = post(receiver.url());
    EXPECT_FALSE(r.error) << status;
    EXPECT_EQ(r.status_code, status);
    EXPECT_EQ(r.response_body, "no " + std::to_string(status));
  }
}

TEST_P(SenderTest, LargeBodyIsCutAt64KiBAndMarkedTruncated) {
  std::string big(200 * 1024, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  LoopbackReceiver receiver([&](const HttpRequest&) { return answer(200, big); });
  OutboundResult r = post(receiver.url());
  EXPECT_FALSE(r.error);
  EXPECT_EQ(r.status_code, 200);
  EXPECT_TRUE(r.response_truncated);
  ASSERT_EQ(r.response_body.size(), kMaxKeptResponseBody);
  EXPECT_EQ(r.response_body, big.substr(0, kMaxKeptResponseBody));
}

TEST_P(SenderTest, EndlessBodyIsCutAfterTheDiscardAllowanceKeepingTheStatus) {
  std::atomic<size_t> written{0};
  RawServer receiver([&](RawConn& c) {
    if (!c.read_request()) return;
    if (!c.write("HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\n")) return;
    const std::string chunk(64 * 1024, 'z');
    while (written.load() < 64u * 1024 * 1024 && c.write(chunk)) written += chunk.size();
  });
  ASSERT_TRUE(receiver.ok());
  OutboundResult r = post(receiver.url());
  EXPECT_FALSE(r.error) << r.error.value_or("") << ": " << r.error_detail;
  EXPECT_EQ(r.status_code, 200);
  EXPECT_TRUE(r.response_truncated);
  EXPECT_EQ(r.response_body.size(), kMaxKeptResponseBody);
  // The client stopped reading a little past 64 KiB + 1 MiB (socket buffers aside).
  EXPECT_LT(written.load(), 16u * 1024 * 1024);
}

TEST_P(SenderTest, OnlyTheFinalResponsesHeadersAreKept) {
  RawServer receiver([](RawConn& c) {
    if (!c.read_request()) return;
    c.write(
        "HTTP/1.1 103 Early Hints\r\nLink: </style.css>\r\n\r\n"
        "HTTP/1.1 200 OK\r\nX-Final: yes\r\nX-Folded: one\r\n two\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
        "2\r\nok\r\n0\r\nX-Trailer: t\r\n\r\n");
    c.wait_until_closed();
  });
  ASSERT_TRUE(receiver.ok());
  OutboundResult r = post(receiver.url());
  ASSERT_FALSE(r.error) << *r.error << ": " << r.error_detail;
  EXPECT_EQ(r.status_code, 200);
  EXPECT_EQ(r.response_body, "ok");
  EXPECT_EQ(header(r.response_headers, "x-final"), "yes");
  EXPECT_EQ(header(r.response_headers, "x-folded"), "one two");
  EXPECT_EQ(header(r.response_headers, "link"), "");
  EXPECT_EQ(header(r.response_headers, "x-trailer"), "");
  EXPECT_EQ(r.response_headers.size(), 3u);
}

TEST_P(SenderTest, SequentialSendsReuseOneKeptAliveConnection) {
  std::atomic<int> requests{0};
  RawServer receiver([&](RawConn& c) {
    while (c.read_request()) {
      ++requests;
      if (!c.write(raw_response(200, "ok"))) return;
    }
  });
  ASSERT_TRUE(receiver.ok());
  for (int i = 0; i < 5; ++i) {
    OutboundResult r =
        post(receiver.url("/n" + std::to_string(i)), "{\"i\":" + std::to_string(i) + "}");
    EXPECT_EQ(r.status_code, 200) << r.error.value_or("") << " " << r.error_detail;
  }
  EXPECT_EQ(requests.load(), 5);
  EXPECT_EQ(receiver.accepted(), 1);
}

TEST_P(SenderTest, HundredConcurrentSendsAllCompleteOnTheClientThread) {
  LoopbackReceiver receiver;
  constexpr int kSends = 100;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<OutboundResult> results;
  std::atomic<int> on_caller_thread{0};
  const auto caller = std::this_thread::get_id();
  for (int i = 0; i < kSends; ++i) {
    client().send({receiver.url("/c" + std::to_string(i)), {}, "{}"}, [&](OutboundResult r) {
      if (std::this_thread::get_id() == caller) ++on_caller_thread;
      std::lock_guard lock(mu);
      results.push_back(std::move(r));
      cv.notify_all();
    });
  }
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return results.size() == kSends; }))
      << results.size() << " of " << kSends;
  for (const auto& r : results)
    EXPECT_EQ(r.status_code, 200) << r.error.value_or("") << " " << r.error_detail;
  EXPECT_EQ(on_caller_thread.load(), 0);
  EXPECT_EQ(receiver.hits(), static_cast<size_t>(kSends));
}

}  // namespace
}  // namespace promptjang::testing
