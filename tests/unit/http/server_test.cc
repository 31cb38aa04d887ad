// HttpServer, one request at a time: what reaches the handler, what goes back,
// keep-alive, the Respond bridge, and the limits the server enforces itself
// (preflight answers, body limits, malformed and oversized requests).
#include "api/server.h"

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>

#include "api/errors.h"
#include "unit/http/server_fixture.h"

namespace promptjang::testing {
namespace {

using namespace std::chrono_literals;

TEST_F(HttpServerTest, SimpleGetIsAnsweredWithTheHandlersResponse) {
  std::mutex mu;
  HttpRequest seen;
  handler_.on_handle = [&](HttpRequest r, Respond respond) {
    {
      std::lock_guard lock(mu);
      seen = r;
    }
    HttpResponse res;
    res.status = 203;
    res.content_type = "text/plain; charset=utf-8";
    res.headers.add("X-Custom", "abc");
    res.body = "hello";
    respond(std::move(res));
  };
  start();
  TestClient c(port());
  ASSERT_TRUE(c.send("GET /api/v1/things?limit=5&x=%20 HTTP/1.1\r\nHost: h\r\nX-Req: yes\r\n\r\n"));
  auto reply = c.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 203);
  EXPECT_EQ(reply->header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(reply->header("x-custom"), "abc");
  EXPECT_EQ(reply->header("content-length"), "5");
  EXPECT_EQ(reply->header("server"), std::string("PromptJang/") + PJ_VERSION);
  EXPECT_EQ(reply->body, "hello");

  std::lock_guard lock(mu);
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.path, "/api/v1/things");
  EXPECT_EQ(seen.query, "limit=5&x=%20");
  EXPECT_EQ(seen.headers.get("x-req").value_or(""), "yes");
  EXPECT_EQ(seen.remote_address, "127.0.0.1");
  EXPECT_EQ(seen.body, "");
}

TEST_F(HttpServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  start();
  TestClient c(port());
  ASSERT_TRUE(c.send(get_request("/one")));
  auto first = c.read_reply();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->body, "GET /one?|");
  EXPECT_NE(first->header("connection"), "close");
  ASSERT_TRUE(c.send(post_request("/two", "{\"a\":1}")));
  auto second = c.read_reply();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->body, "POST /two?|{\"a\":1}");
  EXPECT_EQ(handler_.handled.load(), 2);
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  start();
  TestClient c(port());
  ASSERT_TRUE(c.send(get_request("/a") + post_request("/b", "xyz") + get_request("/c")));
  for (const char* want : {"GET /a?|", "POST /b?|xyz", "GET /c?|"}) {
    auto reply = c.read_reply();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->body, want);
  }
}

TEST_F(HttpServerTest, Http10ClosesUnlessAskedToKeepAlive) {
  start();
  {
    TestClient c(port());
    ASSERT_TRUE(c.send("GET /old HTTP/1.0\r\n\r\n"));
    auto reply = c.read_reply();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 200);
    EXPECT_TRUE(c.closed_by_peer(3s));
  }
  TestClient c(port());
  ASSERT_TRUE(c.send("GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  auto reply = c.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->header("connection"), "keep-alive");
  ASSERT_TRUE(c.send("GET /again HTTP/1.0\r\n\r\n"));
  reply = c.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->body, "GET /again?|");
}

TEST_F(HttpServerTest, HeadAnswerHasTheLengthButNoBody) {
  start();
  TestClient c(port());
  ASSERT_TRUE(c.send("HEAD /h HTTP/1.1\r\nHost: h\r\n\r\n" + get_request("/g")));
  auto head = c.read_reply(/*head_request=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("content-length"), "9");  // of "HEAD /h?|", which is not sent
  auto get = c.read_reply();  // so the next answer starts right after the header
  ASSERT_TRUE(get);
  EXPECT_EQ(get->body, "GET /g?|");
}

TEST_F(HttpServerTest, HandlerMayRespondLaterFromAnotherThread) {
  handler_.on_handle = [this](HttpRequest r, Respond respond) {
    later(50ms,
          [r = std::move(r), respond = std::move(respond)] { respond(StubHandler::echo(r)); });
  };
  start();
  TestClient c(port());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(c.send(post_request("/later", "body" + std::to_string(i))));
    auto reply = c.read_reply();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 200);
    EXPECT_EQ(reply->body, "POST /later?|body" + std::to_string(i));
  }
}

TEST_F(HttpServerTest, SecondRespondIsIgnored) {
  handler_.on_handle = [](HttpRequest r, Respond respond) {
    respond(StubHandler::echo(r));
    respond(error_response(500, "internal", "twice"));
  };
  start();
  TestClient c(port());
  ASSERT_TRUE(c.send(get_request("/x") + get_request("/y")));
  auto a = c.read_reply();
  auto b = c.read_reply();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->body, "GET /x?|");
  EXPECT_EQ(b->body, "GET /y?|");
}

TEST_F(HttpServerTest, RespondDroppedWithoutAnAnswerGives500) {
  handler_.on_handle = [](HttpRequest, Respond) {};
  start();
  TestClient c(port());
  ASSERT_TRUE(c.send(get_request("/lost")));
  auto reply = c.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 500);
  EXPECT_NE(reply->body.find("\"internal\""), std::string::npos);
}

TEST_F(HttpServerTest, HandlerExceptionGives500AndClose) {
  handler_.on_handle = [](HttpRequest, Respond) { throw std::runtime_error("boom"); };
  start();
  TestClient c(port());
  ASSERT_TRUE(c.send(get_request("/throw")));
  auto reply = c.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 500);
  EXPECT_EQ(reply->header("connection"), "close");
  EXPECT_TRUE(c.closed_by_peer(3s));
}

TEST_F(HttpServerTest, PreflightEarlyAnswerIsSentWithoutReadingTheBody) {
  handler_.on_preflight = [](const HttpRequest& head) -> std::variant<size_t, HttpResponse> {
    if (!head.headers.get("Authorization")) return error_response(401, "unauthorized", "no key");
    return size_t{1024};
  };
  start();
  {
    // A body announced and never sent: the answer must not wait for it.
    TestClient c(port());
    ASSERT_TRUE(c.send("POST /in HTTP/1.1\r\nHost: h\r\nContent-Length: 500\r\n\r\n"));
    auto reply = c.read_reply();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 401);
    EXPECT_EQ(reply->header("content-type"), "application/json");
    EXPECT_NE(reply->body.find("\"unauthorized\""), std::string::npos);
    EXPECT_EQ(reply->header("connection"), "close");
    EXPECT_TRUE(c.closed_by_peer(3s));
  }
  // Without a body the connection stays usable.
  TestClient c(port());
  ASSERT_TRUE(c.send(get_request("/in")));
  auto reply = c.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 401);
  ASSERT_TRUE(c.send("GET /in HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer k\r\n\r\n"));
  reply = c.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(handler_.handled.load(), 1);
}

class BodyLimitTest : public HttpServerTest {
 protected:
  void SetUp() override {
    handler_.on_preflight = [](const HttpRequest&) -> std::variant<size_t, HttpResponse> {
      return size_t{100};
    };
    start();
  }
};

TEST_F(BodyLimitTest, ContentLengthOverTheLimitGets413WithoutReadingTheBody) {
  TestClient c(port());
  ASSERT_TRUE(c.send("POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: 1000000\r\n\r\n"));
  auto reply = c.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 413);
  EXPECT_EQ(reply->header("content-type"), "application/json");
  EXPECT_NE(reply->body.find("\"payload_too_large\""), std::string::npos);
  EXPECT_NE(reply->body.find("limit of 100 bytes"), std::string::npos);
  EXPECT_EQ(reply->header("connection"), "close");
  EXPECT_TRUE(c.closed_by_peer(3s));
  EXPECT_EQ(handler_.handled.load(), 0);
}

TEST_F(BodyLimitTest, BodyExactlyAtTheLimitIsAcceptedAndOneMoreIsNot) {
  const std::string at_limit(100, 'a');
  TestClient c(port());
  ASSERT_TRUE(c.send(post_request("/ok", at_limit)));
  auto reply = c.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, "POST /ok?|" + at_limit);

  ASSERT_TRUE(c.send(post_request("/ok", at_limit + "b")));
  reply = c.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 413);
}

TEST_F(BodyLimitTest, ChunkedBodyOverTheLimitGets413) {
  {
    TestClient c(port());
    ASSERT_TRUE(
        c.send("POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
               "3c\r\n" +
               std::string(60, 'x') +
               "\r\n"
               "3c\r\n" +
               std::string(60, 'y') + "\r\n0\r\n\r\n"));
    auto reply = c.read_reply();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 413);
    EXPECT_NE(reply->body.find("\"payload_too_large\""), std::string::npos);
    EXPECT_TRUE(c.closed_by_peer(3s));
  }
  // Under the limit, chunks are joined into the body.
  TestClient c(port());
  ASSERT_TRUE(
      c.send("POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
             "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
  auto reply = c.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, "POST /c?|hello world");
  EXPECT_EQ(handler_.handled.load(), 1);
}

TEST_F(BodyLimitTest, Expect100ContinueGetsAnInterimAnswer) {
  TestClient c(port());
  ASSERT_TRUE(
      c.send("POST /e HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
             "Content-Length: 4\r\n\r\n"));
  auto interim = c.read_reply();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(c.send("data"));
  auto reply = c.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, "POST /e?|data");
}

TEST_F(HttpServerTest, MalformedRequestGets400Json) {
  start();
  TestClient c(port());
  ASSERT_TRUE(c.send("THIS IS NOT HTTP\r\n\r\n"));
  auto reply = c.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 400);
  EXPECT_EQ(reply->header("content-type"), "application/json");
  EXPECT_NE(reply->body.find("\"bad_request\""), std::string::npos);
  EXPECT_TRUE(c.closed_by_peer(3s));
  EXPECT_EQ(handler_.preflights.load(), 0);
}

TEST_F(HttpServerTest, BadChunkEncodingGets400) {
  start();
  TestClient c(port());
  ASSERT_TRUE(
      c.send("POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
             "zz\r\nhello\r\n0\r\n\r\n"));
  auto reply = c.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 400);
  EXPECT_EQ(handler_.handled.load(), 0);
}

TEST_F(HttpServerTest, OversizedHeaderGets431) {
  options_.max_header_bytes = 1024;
  start();
  TestClient c(port());
  ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + std::string(4000, 'b') + "\r\n\r\n"));
  auto reply = c.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 431);
  EXPECT_NE(reply->body.find("\"header_too_large\""), std::string::npos);
  EXPECT_TRUE(c.closed_by_peer(3s));
  EXPECT_EQ(handler_.preflights.load(), 0);
}

TEST_F(HttpServerTest, UnsafeHandlerHeadersAreDropped) {
  handler_.on_handle = [](HttpRequest, Respond respond) {
    HttpResponse res;
    res.headers.add("X-Evil", "a\r\nSet-Cookie: x=1");
    res.headers.add("Content-Length", "999");
    res.headers.add("X-Fine", "ok");
    res.body = "{}";
    respond(std::move(res));
  };
  start();
  TestClient c(port());
  ASSERT_TRUE(c.send(get_request("/h")));
  auto reply = c.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->header("x-evil"), "");
  EXPECT_EQ(reply->header("set-cookie"), "");
  EXPECT_EQ(reply->header("content-length"), "2");
  EXPECT_EQ(reply->header("x-fine"), "ok");
  EXPECT_EQ(reply->body, "{}");
}

}  // namespace
}  // namespace promptjang::testing
