// `promptjang listen` (SPEC §10): the real binary on a loopback port, driven with
// libcurl. Deliveries are signed here the way the delivery worker signs them
// (SPEC §5), and the test reads what the listener printed. Each request's block
// is on stdout before its answer is sent, so no polling is needed after a request.
// Waits are bounded (wait_for timeouts, curl's 30 s).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/secure_random.h"
#include "crypto/signature.h"
#include "crypto/tokens.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace promptjang::testing {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(20);

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The value printed after `label` on the last line of `out` that starts with it
// (after the block's indentation); nullopt when there is none.
std::optional<std::string> field(const std::string& out, const std::string& label) {
  std::optional<std::string> found;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    auto start = line.find_first_not_of(' ');
    if (start == std::string::npos || line.compare(start, label.size(), label) != 0) continue;
    auto value = line.find_first_not_of(' ', start + label.size());
    found = value == std::string::npos ? "" : line.substr(value);
  }
  return found;
}

struct Delivery {
  std::string event_id = "evt_listen_test_1";
  std::string event = "order.created";
  std::string attempt = "1";
  std::string body = R"({"event":"order.created","data":{"order_id":123,"items":[]}})";
  int64_t timestamp = unix_now();
};

// The headers of `d` signed with `secret`, as the delivery worker sends them;
// `standard_secrets` sign webhook-signature (one v1 signature each).
std::vector<std::string> signed_headers(const Delivery& d, const std::string& secret,
                                        const std::vector<std::string>& standard_secrets) {
  std::string standard;
  for (const auto& s : standard_secrets) {
    auto sig = sign_standard(s, d.event_id, d.timestamp, d.body);
    EXPECT_TRUE(sig.is_ok()) << sig.status().message();
    if (!standard.empty()) standard += ' ';
    standard += sig.is_ok() ? *sig : "";
  }
  return {"Content-Type: application/json",
          "User-Agent: PromptJang/test",
          "X-PromptJang-Signature: " + sign_hex(secret, d.body),
          "X-PromptJang-Event-Id: " + d.event_id,
          "X-PromptJang-Event: " + d.event,
          "X-PromptJang-Attempt: " + d.attempt,
          "webhook-id: " + d.event_id,
          "webhook-timestamp: " + std::to_string(d.timestamp),
          "webhook-signature: " + standard};
}

class ListenTest : public ::testing::Test {
 protected:
  TempDir dir;
  SecureRandom random;
  std::string secret = generate_endpoint_secret(random);

  // Starts `promptjang listen --port 0 --secret ... extra...` and reads its URL.
  std::unique_ptr<ChildProcess> start(const std::vector<std::string>& extra = {},
                                      bool with_secret = true) {
    std::vector<std::string> args{promptjang_binary(), "listen", "--port", "0"};
    if (with_secret) args.insert(args.end(), {"--secret", secret});
    args.insert(args.end(), extra.begin(), extra.end());
    auto child = std::make_unique<ChildProcess>(args, dir.path().string());
    auto port = child->wait_for("listening on http://127.0.0.1:", kStartTimeout);
    EXPECT_TRUE(port) << "stdout: " << child->out() << "\nstderr: " << child->err();
    if (port) url = "http://127.0.0.1:" + *port + "/webhooks";
    return child;
  }

  CommandResult listen_cmd(std::vector<std::string> args) {
    args.insert(args.begin(), {promptjang_binary(), "listen"});
    return run_command(args);
  }

  std::string url;
  HttpClient http;
};

TEST_F(ListenTest, PrintsAndVerifiesASignedDelivery) {
  auto listener = start();
  ASSERT_FALSE(url.empty());
  EXPECT_EQ(listener->out().rfind("listening on http://127.0.0.1:", 0), 0u)
      << "the banner comes first: " << listener->out();

  Delivery d;
  auto r = http.request("POST", url, signed_headers(d, secret, {secret}), d.body);
  EXPECT_EQ(r.status, 200) << r.error;
  auto answer = boost::json::parse(r.body);
  EXPECT_TRUE(answer.at("received").as_bool());

  const std::string out = listener->out();
  EXPECT_EQ(field(out, "X-PromptJang-Signature:"), "ok") << out;
  EXPECT_EQ(field(out, "webhook-signature:"), "ok") << out;
  EXPECT_EQ(field(out, "X-PromptJang-Event-Id:"), d.event_id) << out;
  EXPECT_EQ(field(out, "X-PromptJang-Event:"), d.event) << out;
  EXPECT_EQ(field(out, "X-PromptJang-Attempt:"), "1") << out;
  EXPECT_EQ(field(out, "webhook-id:"), d.event_id) << out;
  EXPECT_EQ(field(out, "webhook-timestamp:").value_or("").rfind(std::to_string(d.timestamp), 0), 0u)
      << out;
  EXPECT_NE(out.find("POST /webhooks"), std::string::npos) << out;
  // The JSON body is shown indented, with its values as sent.
  EXPECT_NE(out.find(R"("order_id": 123)"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("items": [])"), std::string::npos) << out;
  EXPECT_EQ(out.find("secret"), std::string::npos) << "the secret is never printed";
  EXPECT_EQ(out.find(secret), std::string::npos);

  EXPECT_EQ(listener->terminate_and_wait(), 0) << listener->err();
}

TEST_F(ListenTest, AWrongSignatureIsReportedAsFailed) {
  auto listener = start();
  ASSERT_FALSE(url.empty());
  Delivery d;
  auto headers = signed_headers(d, secret, {secret});
  headers[2] = "X-PromptJang-Signature: " + sign_hex(secret, d.body + " ");
  auto r = http.request("POST", url, headers, d.body);
  EXPECT_EQ(r.status, 200) << r.error;
  std::string out = listener->out();
  EXPECT_EQ(field(out, "X-PromptJang-Signature:").value_or("").rfind("FAILED (", 0), 0u) << out;
  EXPECT_EQ(field(out, "webhook-signature:"), "ok") << out;

  // Signed with another secret: both fail.
  std::string other = generate_endpoint_secret(random);
  r = http.request("POST", url, signed_headers(d, other, {other}), d.body);
  EXPECT_EQ(r.status, 200) << r.error;
  out = listener->out();
  EXPECT_EQ(field(out, "X-PromptJang-Signature:").value_or("").rfind("FAILED (", 0), 0u) << out;
  EXPECT_EQ(field(out, "webhook-signature:").value_or("").rfind("FAILED (", 0), 0u) << out;

  // No signature headers at all (a plain curl): both fail, saying why.
  r = http.request("POST", url, {"Content-Type: text/plain"}, "hello");
  EXPECT_EQ(r.status, 200) << r.error;
  out = listener->out();
  EXPECT_EQ(field(out, "X-PromptJang-Signature:"), "FAILED (no X-PromptJang-Signature header)");
  EXPECT_EQ(field(out, "webhook-signature:"), "FAILED (no webhook-signature header)");
  EXPECT_EQ(field(out, "X-PromptJang-Event-Id:"), "-");

  EXPECT_EQ(listener->terminate_and_wait(), 0) << listener->err();
}

TEST_F(ListenTest, AnyOfSeveralStandardSignaturesMayMatch) {
  // After a rotation the old secret signs alongside the new one (SPEC §3); the
  // listener holds the new secret.
  std::string old_secret = generate_endpoint_secret(random);
  auto listener = start();
  ASSERT_FALSE(url.empty());
  Delivery d;
  auto r = http.request("POST", url, signed_headers(d, secret, {old_secret, secret}), d.body);
  EXPECT_EQ(r.status, 200) << r.error;
  std::string out = listener->out();
  EXPECT_EQ(field(out, "webhook-signature:").value_or("").rfind("ok", 0), 0u) << out;

  r = http.request("POST", url, signed_headers(d, secret, {old_secret}), d.body);
  out = listener->out();
  EXPECT_EQ(field(out, "webhook-signature:").value_or("").rfind("FAILED (", 0), 0u) << out;

  // The signature covers id and timestamp: a replayed header with a new timestamp fails.
  auto headers = signed_headers(d, secret, {secret});
  headers[7] = "webhook-timestamp: " + std::to_string(d.timestamp + 1);
  r = http.request("POST", url, headers, d.body);
  out = listener->out();
  EXPECT_EQ(field(out, "webhook-signature:").value_or("").rfind("FAILED (", 0), 0u) << out;
  EXPECT_EQ(listener->terminate_and_wait(), 0) << listener->err();
}

TEST_F(ListenTest, AnswersWithTheStatusGiven) {
  auto listener = start({"--status", "503"});
  ASSERT_FALSE(url.empty());
  Delivery d;
  auto r = http.request("POST", url, signed_headers(d, secret, {secret}), d.body);
  EXPECT_EQ(r.status, 503) << r.error;
  EXPECT_EQ(boost::json::parse(r.body).at("status").as_int64(), 503) << r.body;
  EXPECT_EQ(field(listener->out(), "answered:"), "503");
  EXPECT_EQ(listener->terminate_and_wait(), 0) << listener->err();
}

TEST_F(ListenTest, ALargeBodyIsCutAt4KiB) {
  auto listener = start();
  ASSERT_FALSE(url.empty());
  Delivery d;
  d.body = std::string(10000, 'x');
  auto r = http.request("POST", url, signed_headers(d, secret, {secret}), d.body);
  EXPECT_EQ(r.status, 200) << r.error;
  const std::string out = listener->out();
  EXPECT_EQ(field(out, "X-PromptJang-Signature:"), "ok") << "verified on the whole body";
  EXPECT_NE(out.find(std::string(4096, 'x')), std::string::npos);
  EXPECT_EQ(out.find(std::string(4097, 'x')), std::string::npos);
  EXPECT_NE(out.find("5904 more bytes not shown (10000 in all)"), std::string::npos) << out;
  EXPECT_EQ(listener->terminate_and_wait(), 0) << listener->err();
}

TEST_F(ListenTest, ControlCharactersAreEscaped) {
  auto listener = start();
  ASSERT_FALSE(url.empty());
  auto r = http.request("POST", url, {"Content-Type: text/plain"}, "red \x1b[31m text");
  EXPECT_EQ(r.status, 200) << r.error;
  const std::string out = listener->out();
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  EXPECT_NE(out.find("red \\x1b[31m text"), std::string::npos) << out;
  EXPECT_EQ(listener->terminate_and_wait(), 0) << listener->err();
}

TEST_F(ListenTest, ReadsTheSecretFromTheEnvironment) {
  // setenv before fork: the child inherits it. Restored at once after the start.
  ASSERT_EQ(::setenv("PROMPTJANG_LISTEN_SECRET", secret.c_str(), 1), 0);
  auto listener = start({}, /*with_secret=*/false);
  ::unsetenv("PROMPTJANG_LISTEN_SECRET");
  ASSERT_FALSE(url.empty());
  Delivery d;
  auto r = http.request("POST", url, signed_headers(d, secret, {secret}), d.body);
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(field(listener->out(), "X-PromptJang-Signature:"), "ok") << listener->out();
  EXPECT_EQ(listener->terminate_and_wait(), 0) << listener->err();
}

TEST_F(ListenTest, BadFlagsExitWithAClearMessage) {
  for (const std::string& bad :
       std::vector<std::string>{"whsec_nope", "pj_live_0123456789abcdef0123456789abcdef", "whsec_",
                                secret + "x", secret.substr(6)}) {
    auto r = listen_cmd({"--port", "0", "--secret", bad});
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("error: --secret must be an endpoint secret"), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  for (const std::string& bad : std::vector<std::string>{"99", "600", "abc", "200x", "-1", ""}) {
    auto r = listen_cmd({"--port", "0", "--secret", secret, "--status", bad});
    EXPECT_EQ(r.exit_code, 2) << "'" << bad << "'";
    EXPECT_NE(r.err.find("error: --status must be an HTTP status code"), std::string::npos)
        << r.err;
  }
  for (const std::string& bad : std::vector<std::string>{"65536", "http", "-5"}) {
    auto r = listen_cmd({"--port", bad, "--secret", secret});
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("error: --port must be"), std::string::npos) << r.err;
  }
  auto r = listen_cmd({"--port", "0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--secret is required"), std::string::npos) << r.err;
  r = listen_cmd({"--secret", secret});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--port is required"), std::string::npos) << r.err;
  r = listen_cmd({"--port", "0", "--secret", secret, "--host", "localhost"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("error: cannot listen"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace promptjang::testing
