// The delivery engine end to end (SPEC §3, §5, §6): the real server delivering
// to real receivers on loopback over real HTTP, every outcome, the exact
// schedule, both signatures checked by the FAQ's Python code and an independent
// Standard Webhooks verifier, rotation, replay, disabled endpoints, fairness and
// the SSRF guard.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>

#include "delivery_support.h"
#include "support/process.h"
#include "support/receiver.h"

namespace promptjang::testing {
namespace {

using namespace std::chrono_literals;

std::function<void(Config&)> delivering(std::string schedule, double timeout_s = 2,
                                        bool allow_private = true) {
  return [=](Config& c) {
    c.delivery = true;
    c.allow_private_targets = allow_private;
    c.retry_schedule = schedule;
    c.delivery_timeout_s = timeout_s;
    c.connect_timeout_s = std::min(timeout_s, 1.0);
  };
}

// A loopback port with nothing listening (bound, then closed).
int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

json::value last_attempt(const json::value& e) { return e.at("attempts").as_array().back(); }

TEST(DeliveryTest, EveryOutcome) {
  TestNode node(delivering("60", 0.5));
  Receiver rx;
  Tenant t = node.make_tenant();
  ApiDriver api(node.url(""), t.auth());
  rx.script("/204", {204, 0ms, ""});
  rx.script("/301", {301, 0ms, "moved", {{"Location", rx.url("/target")}}});
  rx.script("/400", {400});
  rx.script("/410", {410});
  rx.script("/500", {500, 0ms, "boom"});
  rx.script("/503", {503});
  rx.script("/slow", {200, 3000ms});
  rx.script("/big", {200, 0ms, std::string(100 * 1024, 'b')});

  auto send_to = [&](const std::string& url) {
    return api.ingest(api.endpoint(url), R"({"event":"t"})");
  };
  std::string ok = send_to(rx.url("/200")), no_content = send_to(rx.url("/204")),
              moved = send_to(rx.url("/301")), bad = send_to(rx.url("/400")),
              gone = send_to(rx.url("/410")), boom = send_to(rx.url("/500")),
              unavailable = send_to(rx.url("/503")), slow = send_to(rx.url("/slow")),
              big = send_to(rx.url("/big")),
              refused = send_to("http://127.0.0.1:" + std::to_string(closed_port()) + "/");

  auto e = api.wait_status(ok, "DELIVERED");
  EXPECT_EQ(last_attempt(e).at("status_code").as_int64(), 200);
  EXPECT_EQ(last_attempt(e).at("response_body").as_string(), "ok");
  EXPECT_TRUE(last_attempt(e).at("error").is_null());
  api.wait_status(no_content, "DELIVERED");

  e = api.wait_status(moved, "RETRYING");
  EXPECT_EQ(last_attempt(e).at("status_code").as_int64(), 301);
  EXPECT_TRUE(rx.deliveries("/target").empty()) << "redirects are never followed";
  EXPECT_FALSE(e.at("next_attempt_at").is_null());

  for (auto [id, code] : {std::pair{bad, 400}, {boom, 500}, {unavailable, 503}}) {
    e = api.wait_status(id, "RETRYING");
    EXPECT_EQ(last_attempt(e).at("status_code").as_int64(), code);
  }
  EXPECT_EQ(last_attempt(api.event(boom)).at("response_body").as_string(), "boom");

  e = api.wait_status(gone, "FAILED");
  EXPECT_EQ(last_attempt(e).at("status_code").as_int64(), 410);
  std::string gone_ep(e.at("endpoint_id").as_string());
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (api.get("/api/v1/endpoints/" + gone_ep).at("enabled").as_bool() &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(api.get("/api/v1/endpoints/" + gone_ep).at("enabled").as_bool())
      << "410 disables the endpoint";

  e = api.wait_status(slow, "RETRYING");
  EXPECT_EQ(last_attempt(e).at("error").as_string(), "timeout");
  EXPECT_TRUE(last_attempt(e).at("status_code").is_null());

  e = api.wait_status(refused, "RETRYING");
  EXPECT_EQ(last_attempt(e).at("error").as_string(), "connection");

  e = api.wait_status(big, "DELIVERED");
  EXPECT_TRUE(last_attempt(e).at("response_truncated").as_bool());
  EXPECT_EQ(last_attempt(e).at("response_body").as_string().size(), 64u * 1024);
}

TEST(DeliveryTest, ExactScheduleThenExpired) {
  TestNode node(delivering("0.2,0.4,0.6,0.8,1.0"));
  Receiver rx;
  rx.script("/fail", {500});
  Tenant t = node.make_tenant();
  ApiDriver api(node.url(""), t.auth());
  std::string id = api.ingest(api.endpoint(rx.url("/fail")), R"({"event":"retry.me"})");
  api.wait_status(id, "RETRYING", 5s);
  ASSERT_TRUE(rx.wait_for("/fail", 6, 15s));
  auto e = api.wait_status(id, "EXPIRED", 5s);
  std::this_thread::sleep_for(1500ms);
  auto got = rx.deliveries("/fail");
  ASSERT_EQ(got.size(), 6u) << "exactly 6 attempts, then no more";
  const double delays[] = {0.2, 0.4, 0.6, 0.8, 1.0};
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].headers["x-promptjang-attempt"], std::to_string(i + 1));
    EXPECT_EQ(got[i].headers["webhook-id"], id) << "the same on every attempt";
    if (i == 0) continue;
    double gap = std::chrono::duration<double>(got[i].at - got[i - 1].at).count();
    EXPECT_GE(gap, delays[i - 1] - 0.02) << "retry " << i;
    EXPECT_LE(gap, delays[i - 1] + 0.5) << "retry " << i;  // a noisy 2-core machine
  }
  EXPECT_EQ(e.at("attempts").as_array().size(), 6u);
  EXPECT_TRUE(e.at("next_attempt_at").is_null());
  for (size_t i = 0; i < 6; ++i)
    EXPECT_EQ(e.at("attempts").as_array()[i].at("attempt").as_int64(), static_cast<int64_t>(i + 1));
}

// Writes a captured delivery to files and runs the Python verifier on it.
CommandResult python_verify(const Delivery& d, const std::string& body, const std::string& secret,
                            const std::string& old_secret = "") {
  TempDir dir;
  std::ofstream(dir.file("body"), std::ios::binary) << body;
  json::object h;
  for (const auto& [k, v] : d.headers) h[k] = v;
  std::ofstream(dir.file("headers.json")) << json::serialize(h);
  std::vector<std::string> args = {"/usr/bin/env", "python3",        PJ_VERIFY_SCRIPT,
                                   secret,         dir.file("body"), dir.file("headers.json")};
  if (!old_secret.empty()) args.push_back(old_secret);
  return run_command(args);
}

TEST(DeliveryTest, SignaturesVerifyWithTheFaqCheckOverTheExactBytes) {
  TestNode node(delivering("60"));
  Receiver rx;
  Tenant t = node.make_tenant();
  ApiDriver api(node.url(""), t.auth());
  auto created = json::parse(
      api.call("POST", "/api/v1/endpoints", json::serialize(json::object{{"url", rx.url("/h")}}))
          .body);
  std::string ep(created.at("id").as_string()), secret(created.at("secret").as_string());
  const std::string payload =
      "{\"z\": 1,   \"event\":\"order.created\" ,\"a\":{\"big\":123456789012345678901234567890,"
      "\"text\":\"caf\u00e9 \u6771\u4eac \\u00e9\"}\n}";
  std::string id = api.ingest(ep, payload);
  ASSERT_TRUE(rx.wait_for("/h", 1, 10s));
  Delivery d = rx.deliveries("/h")[0];
  EXPECT_EQ(d.body, payload) << "byte for byte";
  EXPECT_EQ(d.headers["content-type"], "application/json");
  EXPECT_EQ(d.headers["user-agent"].rfind("PromptJang/", 0), 0u);
  EXPECT_EQ(d.headers["x-promptjang-event-id"], id);
  EXPECT_EQ(d.headers["x-promptjang-event"], "order.created");
  EXPECT_EQ(d.headers["x-promptjang-attempt"], "1");
  EXPECT_EQ(d.headers["webhook-id"], id);
  EXPECT_NEAR(std::stoll(d.headers["webhook-timestamp"]), ::time(nullptr), 30);
  auto verified = python_verify(d, d.body, secret);
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  // The check can fail: a tampered body or a wrong secret is caught.
  EXPECT_NE(python_verify(d, d.body + " ", secret).exit_code, 0);
  EXPECT_NE(python_verify(d, d.body, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").exit_code, 0);
  api.wait_status(id, "DELIVERED");
}

TEST(DeliveryTest, RotatedSecretSignsAlongsideTheOldOne) {
  TestNode node(delivering("60"));
  Receiver rx;
  Tenant t = node.make_tenant();
  ApiDriver api(node.url(""), t.auth());
  std::string ep = api.endpoint(rx.url("/r"));
  std::string old_secret(api.get("/api/v1/endpoints/" + ep + "/secret").at("secret").as_string());
  auto rotated = api.call("POST", "/api/v1/endpoints/" + ep + "/rotate-secret");
  std::string new_secret(json::parse(rotated.body).at("secret").as_string());
  ASSERT_NE(old_secret, new_secret);
  api.ingest(ep, R"({"event":"after.rotation"})");
  ASSERT_TRUE(rx.wait_for("/r", 1, 10s));
  Delivery d = rx.deliveries("/r")[0];
  EXPECT_NE(d.headers["webhook-signature"].find(' '), std::string::npos)
      << "two v1 signatures: " << d.headers["webhook-signature"];
  auto verified = python_verify(d, d.body, new_secret, old_secret);
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
}

TEST(DeliveryTest, ReplaySingleAndBulk) {
  TestNode node(delivering("0.1"));
  Receiver rx;
  rx.script("/flaky", {500});
  Tenant t = node.make_tenant();
  ApiDriver api(node.url(""), t.auth());
  std::string ep = api.endpoint(rx.url("/flaky"));
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(api.ingest(ep, R"({"event":"r"})"));
  for (const auto& id : ids) api.wait_status(id, "EXPIRED");

  auto not_yet = api.call("POST", "/api/v1/events/" + ids[0] + "/replay", "{}");
  rx.script("/flaky", {200});
  ASSERT_EQ(not_yet.status, 200) << not_yet.body;
  EXPECT_EQ(json::parse(not_yet.body).at("status").as_string(), "QUEUED");
  auto e = api.wait_status(ids[0], "DELIVERED");
  auto attempts = e.at("attempts").as_array();
  ASSERT_EQ(attempts.size(), 3u) << "earlier attempts stay in the log";
  EXPECT_EQ(attempts[2].at("attempt").as_int64(), 3);
  EXPECT_EQ(rx.deliveries("/flaky").back().headers["x-promptjang-attempt"], "3");

  auto refused = api.call("POST", "/api/v1/events/" + ids[0] + "/replay", "{}");
  EXPECT_EQ(refused.status, 409) << refused.body;
  auto forced = api.call("POST", "/api/v1/events/" + ids[0] + "/replay", R"({"force":true})");
  EXPECT_EQ(forced.status, 200) << forced.body;
  EXPECT_EQ(api.wait_status(ids[0], "DELIVERED").at("attempts").as_array().size(), 4u);

  auto none = api.call("POST", "/api/v1/endpoints/" + ep + "/replay",
                       R"({"status":"EXPIRED","until":"2000-01-01T00:00:00Z"})");
  EXPECT_EQ(json::parse(none.body).at("replayed").as_int64(), 0);
  auto bulk = api.call("POST", "/api/v1/endpoints/" + ep + "/replay", R"({"status":"EXPIRED"})");
  ASSERT_EQ(bulk.status, 200) << bulk.body;
  EXPECT_EQ(json::parse(bulk.body).at("replayed").as_int64(), 3);
  for (size_t i = 1; i < ids.size(); ++i) api.wait_status(ids[i], "DELIVERED");
  EXPECT_EQ(api.call("POST", "/api/v1/events/evt_missing/replay", "{}").status, 404);
  EXPECT_EQ(
      api.call("POST", "/api/v1/endpoints/" + ep + "/replay", R"({"status":"QUEUED"})").status,
      400);
}

TEST(DeliveryTest, DisabledEndpointKeepsEventsUntilEnabled) {
  TestNode node(delivering("60"));
  Receiver rx;
  Tenant t = node.make_tenant();
  ApiDriver api(node.url(""), t.auth());
  std::string ep = api.endpoint(rx.url("/later"));
  ASSERT_EQ(api.call("PATCH", "/api/v1/endpoints/" + ep, R"({"enabled":false})").status, 200);
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(api.ingest(ep, R"({"event":"wait"})"));
  std::this_thread::sleep_for(500ms);
  EXPECT_TRUE(rx.deliveries("/later").empty());
  for (const auto& id : ids) EXPECT_EQ(api.status(id), "QUEUED");
  ASSERT_EQ(api.call("PATCH", "/api/v1/endpoints/" + ep, R"({"enabled":true})").status, 200);
  for (const auto& id : ids) api.wait_status(id, "DELIVERED");
}

TEST(DeliveryTest, SlowEndpointDoesNotDelayHealthyOnes) {
  TestNode node([](Config& c) {
    delivering("60", 3)(c);
    c.max_in_flight_per_endpoint = 4;
  });
  Receiver rx;
  rx.script("/hang", {200, 10000ms});
  Tenant t = node.make_tenant();
  ApiDriver api(node.url(""), t.auth());
  std::string slow = api.endpoint(rx.url("/hang")), fast = api.endpoint(rx.url("/fast"));
  for (int i = 0; i < 20; ++i) api.ingest(slow, R"({"event":"slow"})");
  auto start = std::chrono::steady_clock::now();
  std::vector<std::string> ids;
  for (int i = 0; i < 50; ++i) ids.push_back(api.ingest(fast, R"({"event":"fast"})"));
  ASSERT_TRUE(rx.wait_for("/fast", 50, 2500ms))
      << "healthy deliveries finish before the slow endpoint's first timeout (3 s)";
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2500ms);
  EXPECT_LE(rx.deliveries("/hang").size(), 4u) << "the slow endpoint holds only its own slots";
}

TEST(DeliveryTest, SsrfGuardRefusesPrivateDestinations) {
  TestNode node(delivering("60", 2, /*allow_private=*/false));
  Receiver rx;
  Tenant t = node.make_tenant();
  ApiDriver api(node.url(""), t.auth());
  std::string port = std::to_string(rx.port());
  std::vector<std::string> ids;
  for (const std::string& url :
       {"http://127.0.0.1:" + port + "/a", "http://localhost:" + port + "/b",
        "http://127.0.0.2:" + port + "/c", "http://0.0.0.0:" + port + "/d",
        "http://[::1]:" + port + "/e", "http://[::ffff:127.0.0.1]:" + port + "/f"})
    ids.push_back(api.ingest(api.endpoint(url), R"({"event":"ssrf"})"));
  for (const auto& id : ids) {
    auto e = api.wait_status(id, "FAILED");
    EXPECT_EQ(last_attempt(e).at("error").as_string(), "refused_by_policy") << json::serialize(e);
  }
  EXPECT_TRUE(rx.deliveries().empty()) << "no request reached the receiver";
}

}  // namespace
}  // namespace promptjang::testing
