// Secrets at rest and in logs, against the real binary (issue 8, item 8):
//   - API keys are stored only as SHA-256: the database's files (the file, its
//     -wal and -shm, read while the server runs and after it stopped) never
//     hold a key made through the API or the CLI;
//   - with a master key (PROMPTJANG_MASTER_KEY or --master-key-file) endpoint
//     secrets, rotated ones included, are sealed in the files, plaintext ones
//     are sealed at the first start with a key, deliveries are still signed
//     right (a real receiver checks both signatures), and a database whose
//     sealed secrets the key does not open (no key, another key) is refused at
//     start by `serve` and by the admin commands, naming the setting;
//   - at the most verbose log level, nothing that touches a secret (keys good
//     and bad, passwords, sessions, CSRF tokens, endpoint secrets, deliveries,
//     `promptjang listen`) writes one to the server's or listen's output.
// Every wait is bounded; the processes are our own children, killed by PID.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <boost/json.hpp>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>

#include "crypto/base64.h"
#include "crypto/secret_box.h"
#include "crypto/sha256.h"
#include "crypto/signature.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/receiver.h"
#include "support/temp_dir.h"

namespace promptjang::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* kEnv = "/usr/bin/env";
constexpr const char* kJson = "Content-Type: application/json";
constexpr const char* kPassword = "correct horse battery staple";

json::value parse(const std::string& s) { return json::parse(s); }
std::string str(const json::value& v, const char* k) { return std::string(v.at(k).as_string()); }

class SecretsTest : public ::testing::Test {
 protected:
  TempDir dir;
  std::string db_path = dir.file("pj.db");
  std::string db = "sqlite:" + db_path;
  std::string master_key = generate_master_key();
  HttpClient http;
  Receiver rx;

  std::string key_env() const { return "PROMPTJANG_MASTER_KEY=" + master_key; }
  std::string key_file(const std::string& key) {
    const std::string path = dir.file("master.key");
    std::ofstream(path) << key << "\n";
    return path;
  }

  // `promptjang ARGS` with `env` (NAME=VALUE) added to the environment.
  std::vector<std::string> command(const std::vector<std::string>& env,
                                   const std::vector<std::string>& args) {
    std::vector<std::string> argv{kEnv};
    argv.insert(argv.end(), env.begin(), env.end());
    argv.push_back(promptjang_binary());
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }
  CommandResult pj(const std::vector<std::string>& env, std::vector<std::string> args) {
    args.push_back("--database");
    args.push_back(db);
    return run_command(command(env, args));
  }
  json::value pj_json(const std::vector<std::string>& env, std::vector<std::string> args) {
    args.push_back("--json");
    auto r = pj(env, std::move(args));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? parse(r.out) : json::value();
  }

  // `promptjang serve` on a free port; port_ is set once it listens.
  std::unique_ptr<ChildProcess> serve(const std::vector<std::string>& env,
                                      std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"serve",
                                  "--listen",
                                  "127.0.0.1:0",
                                  "--database",
                                  db,
                                  "--no-bootstrap",
                                  "--allow-private-targets",
                                  "--retry-schedule",
                                  "0.2,0.2"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto server = std::make_unique<ChildProcess>(command(env, args), dir.path().string());
    auto port = server->wait_for_port(20s);
    EXPECT_TRUE(port) << server->err();
    port_ = port.value_or("0");
    return server;
  }
  // The exit code and stderr of a `serve` that must refuse to start.
  CommandResult serve_refused(const std::vector<std::string>& env,
                              std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"serve",      "--listen", "127.0.0.1:0",
                                  "--database", db,         "--no-bootstrap"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_command(command(env, args));
  }

  std::string url(const std::string& path) const { return "http://127.0.0.1:" + port_ + path; }
  ClientResponse call(const std::string& method, const std::string& path,
                      const std::string& api_key, const std::string& body = "") {
    std::vector<std::string> headers{"Authorization: Bearer " + api_key};
    if (!body.empty()) headers.push_back(kJson);
    return http.request(method, url(path), headers, body);
  }

  // An account and an API key made with the CLI.
  std::pair<std::string, std::string> cli_tenant(const std::vector<std::string>& env) {
    auto account = pj_json(env, {"account", "create", "--name", "Acme", "--plan", "pro"});
    const std::string id = str(account, "id");
    auto key = pj_json(env, {"api-key", "create", "--account", id, "--name", "cli"});
    return {id, str(key, "key")};
  }

  // An endpoint delivering to the receiver's `path`: its id and secret.
  std::pair<std::string, std::string> make_endpoint(const std::string& api_key,
                                                    const std::string& path) {
    auto r = call("POST", "/api/v1/endpoints", api_key,
                  json::serialize(json::object{{"url", rx.url(path)}}));
    EXPECT_EQ(r.status, 201) << r.body;
    auto v = parse(r.body);
    return {str(v, "id"), str(v, "secret")};
  }
  std::string rotate(const std::string& api_key, const std::string& endpoint) {
    auto r = call("POST", "/api/v1/endpoints/" + endpoint + "/rotate-secret", api_key);
    EXPECT_EQ(r.status, 200) << r.body;
    return str(parse(r.body), "secret");
  }
  std::string read_secret(const std::string& api_key, const std::string& endpoint) {
    auto r = call("GET", "/api/v1/endpoints/" + endpoint + "/secret", api_key);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? str(parse(r.body), "secret") : "";
  }

  // The bytes of the database file, its -wal and its -shm.
  std::string db_bytes() const {
    std::string out;
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::ifstream in(db_path + suffix, std::ios::binary);
      out.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return out;
  }
  // Where `secret` (or, for a whsec_ one, its base64 part alone) is found in
  // the database's files: "" when nowhere.
  std::string stored_where(const std::string& secret) const {
    const std::string bytes = db_bytes();
    if (bytes.find(secret) != std::string::npos) return "the files hold " + secret;
    if (secret.starts_with("whsec_") && bytes.find(secret.substr(6)) != std::string::npos)
      return "the files hold the base64 of " + secret;
    return "";
  }

  // Every value of `column` in `table`, read past the server.
  std::vector<std::string> column(const std::string& table, const std::string& column) {
    std::vector<std::string> out;
    sqlite3* h = nullptr;
    EXPECT_EQ(sqlite3_open_v2(db_path.c_str(), &h, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    sqlite3_stmt* stmt = nullptr;
    const std::string sql = "SELECT " + column + " FROM " + table;
    EXPECT_EQ(sqlite3_prepare_v2(h, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
    while (sqlite3_step(stmt) == SQLITE_ROW)
      if (const auto* t = sqlite3_column_text(stmt, 0))
        out.emplace_back(reinterpret_cast<const char*>(t));
    sqlite3_finalize(stmt);
    sqlite3_close(h);
    return out;
  }

  // Sends an event to `endpoint`, waits for its delivery at `path` and checks
  // both signatures: X-PromptJang-Signature with `secret`, webhook-signature
  // with `secret` and, when given, `previous` (a rotation's second signature).
  void expect_signed_delivery(const std::string& api_key, const std::string& endpoint,
                              const std::string& path, const std::string& secret,
                              const std::string& previous = "") {
    const size_t before = rx.deliveries(path).size();
    auto r = call("POST", "/api/v1/e/" + endpoint, api_key, R"({"event":"order.created"})");
    ASSERT_EQ(r.status, 202) << r.body;
    ASSERT_TRUE(rx.wait_for(path, before + 1, 15s)) << "no delivery";
    const Delivery d = rx.deliveries(path).back();
    EXPECT_TRUE(verify_hex(secret, d.body, d.headers.at("x-promptjang-signature")));
    const std::string id = d.headers.at("webhook-id");
    const int64_t ts = std::stoll(d.headers.at("webhook-timestamp"));
    const std::string standard = d.headers.at("webhook-signature");
    EXPECT_TRUE(verify_standard(secret, id, ts, d.body, standard)) << standard;
    if (!previous.empty()) {
      EXPECT_TRUE(verify_standard(previous, id, ts, d.body, standard)) << standard;
      EXPECT_NE(standard.find(' '), std::string::npos) << "two signatures during a rotation";
    }
  }

  std::string port_;
};

TEST_F(SecretsTest, ApiKeysAreStoredOnlyAsTheirHash) {
  auto server = serve({});
  auto [account, cli_key] = cli_tenant({});
  std::vector<std::string> keys{cli_key};
  for (int i = 0; i < 3; ++i) {
    auto r = call("POST", "/api/v1/api-keys", cli_key, R"({"name":"api"})");
    ASSERT_EQ(r.status, 201) << r.body;
    keys.push_back(str(parse(r.body), "key"));
  }
  // Each works, so each was stored somehow; and a revoked one too stays a hash.
  for (const auto& k : keys) EXPECT_EQ(call("GET", "/api/v1/endpoints", k).status, 200);
  auto listed = parse(call("GET", "/api/v1/api-keys", cli_key).body).at("data").as_array();
  ASSERT_EQ(listed.size(), 4u);
  ASSERT_EQ(call("DELETE", "/api/v1/api-keys/" + str(listed.at(0), "id"), cli_key).status, 204);

  auto check = [&](const char* when) {
    SCOPED_TRACE(when);
    const std::string bytes = db_bytes();
    ASSERT_GT(bytes.size(), 4096u);
    const auto hashes = column("api_keys", "hash");
    const auto prefixes = column("api_keys", "prefix");
    ASSERT_EQ(hashes.size(), keys.size());
    for (const auto& k : keys) {
      // The first 12 characters are shown in listings, so they are stored; the
      // key's other 28, nowhere.
      EXPECT_EQ(bytes.find(k), std::string::npos) << k;
      EXPECT_EQ(bytes.find(k.substr(12)), std::string::npos) << k;
      EXPECT_EQ(std::count(hashes.begin(), hashes.end(), sha256_hex(k)), 1);
      EXPECT_EQ(std::count(prefixes.begin(), prefixes.end(), k.substr(0, 12)), 1);
    }
  };
  check("while the server runs (the -wal holds the latest writes)");
  EXPECT_EQ(server->terminate_and_wait(), 0) << server->err();
  check("after it stopped");
}

TEST_F(SecretsTest, WithAMasterKeySecretsAreSealedAndDeliveriesSignedRight) {
  auto server = serve({key_env()});
  EXPECT_NE(server->err().find("sealed at rest with the master key"), std::string::npos)
      << server->err();
  auto [account, key] = cli_tenant({key_env()});
  auto [ep, first] = make_endpoint(key, "/hook");
  expect_signed_delivery(key, ep, "/hook", first);
  const std::string second = rotate(key, ep);
  EXPECT_EQ(read_secret(key, ep), second);
  expect_signed_delivery(key, ep, "/hook", second, first);

  for (const auto& s : {first, second}) EXPECT_EQ(stored_where(s), "");
  for (const auto& v : column("endpoints", "secret")) EXPECT_TRUE(v.starts_with("pjsb1:")) << v;
  for (const auto& v : column("endpoints", "previous_secret"))
    EXPECT_TRUE(v.starts_with("pjsb1:")) << v;
  EXPECT_EQ(server->terminate_and_wait(), 0) << server->err();
  for (const auto& s : {first, second}) EXPECT_EQ(stored_where(s), "") << "after the checkpoint";

  // The same key from a file works as well, for `serve` and the admin commands.
  const std::string file = key_file(master_key);
  server = serve({}, {"--master-key-file", file});
  EXPECT_EQ(read_secret(key, ep), second);
  expect_signed_delivery(key, ep, "/hook", second, first);
  auto made = pj({}, {"api-key", "create", "--account", account, "--master-key-file", file});
  EXPECT_EQ(made.exit_code, 0) << made.err;
  made = pj({key_env()}, {"api-key", "create", "--account", account});
  EXPECT_EQ(made.exit_code, 0) << made.err;
  EXPECT_EQ(server->terminate_and_wait(), 0) << server->err();
}

TEST_F(SecretsTest, SealedSecretsWithoutTheKeyOrWithAnotherAreRefusedAtStart) {
  {
    auto server = serve({key_env()});
    auto [account, key] = cli_tenant({key_env()});
    make_endpoint(key, "/hook");
    EXPECT_EQ(server->terminate_and_wait(), 0) << server->err();
  }
  const std::string other = generate_master_key();
  struct Case {
    const char* what;
    std::vector<std::string> env;
    std::vector<std::string> flags;
  };
  const std::vector<Case> cases{
      {"no key", {}, {}},
      {"another key", {"PROMPTJANG_MASTER_KEY=" + other}, {}},
      {"another key in a file", {}, {"--master-key-file", key_file(other)}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    auto r = serve_refused(c.env, c.flags);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("PROMPTJANG_MASTER_KEY or --master-key-file"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("listening"), std::string::npos) << "it never served";
    EXPECT_EQ(r.err.find(other), std::string::npos) << "the key is never echoed";
    std::vector<std::string> args{"account", "create", "--name", "x"};
    args.insert(args.end(), c.flags.begin(), c.flags.end());
    auto admin = pj(c.env, args);
    EXPECT_NE(admin.exit_code, 0);
    EXPECT_NE(admin.err.find("PROMPTJANG_MASTER_KEY or --master-key-file"), std::string::npos)
        << admin.err;
  }
  // Bad settings are refused before the database is opened, naming the setting.
  auto both = serve_refused({key_env()}, {"--master-key-file", key_file(master_key)});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("both PROMPTJANG_MASTER_KEY and --master-key-file"), std::string::npos)
      << both.err;
  const std::string short_key = base64_encode(std::string(16, 'x'));
  auto bad = serve_refused({"PROMPTJANG_MASTER_KEY=" + short_key});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("PROMPTJANG_MASTER_KEY: the master key must be base64 of 32 bytes"),
            std::string::npos)
      << bad.err;
  EXPECT_EQ(bad.err.find(short_key), std::string::npos);
  auto missing = serve_refused({}, {"--master-key-file", dir.file("nope.key")});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("--master-key-file"), std::string::npos) << missing.err;
}

TEST_F(SecretsTest, PlaintextSecretsAreSealedAtTheFirstStartWithAKey) {
  std::string key, ep, first, second;
  {
    auto server = serve({});
    EXPECT_NE(server->err().find("stored in plaintext (no master key"), std::string::npos);
    key = cli_tenant({}).second;
    std::tie(ep, first) = make_endpoint(key, "/hook");
    second = rotate(key, ep);
    EXPECT_EQ(server->terminate_and_wait(), 0) << server->err();
  }
  EXPECT_NE(stored_where(second), "")
      << "without a key the file holds the secret (the test sees it)";

  auto server = serve({key_env()});
  EXPECT_NE(server->err().find("sealed 2 stored in plaintext with the master key"),
            std::string::npos)
      << server->err();
  EXPECT_EQ(stored_where(first), "");
  EXPECT_EQ(stored_where(second), "");
  EXPECT_EQ(read_secret(key, ep), second);
  expect_signed_delivery(key, ep, "/hook", second, first);
  EXPECT_EQ(server->terminate_and_wait(), 0) << server->err();
  EXPECT_EQ(stored_where(first), "");
  EXPECT_EQ(stored_where(second), "");
}

TEST_F(SecretsTest, TheMasterKeyIsRotatedWithThePreviousOneAlongside) {
  std::string key, ep, first, second;
  {
    auto server = serve({key_env()});
    key = cli_tenant({key_env()}).second;
    std::tie(ep, first) = make_endpoint(key, "/hook");
    second = rotate(key, ep);
    EXPECT_EQ(server->terminate_and_wait(), 0) << server->err();
  }
  const std::string old_key = master_key;
  master_key = generate_master_key();
  {
    auto server = serve({key_env(), "PROMPTJANG_PREVIOUS_MASTER_KEY=" + old_key});
    EXPECT_NE(server->err().find("sealed 2 again with the new master key"), std::string::npos)
        << server->err();
    EXPECT_EQ(read_secret(key, ep), second);
    expect_signed_delivery(key, ep, "/hook", second, first);
    EXPECT_EQ(server->terminate_and_wait(), 0) << server->err();
  }
  // The old key is no longer needed, and no longer enough.
  auto refused = serve_refused({"PROMPTJANG_MASTER_KEY=" + old_key});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("PROMPTJANG_MASTER_KEY or --master-key-file"), std::string::npos);
  auto server = serve({key_env()});
  EXPECT_EQ(read_secret(key, ep), second);
  expect_signed_delivery(key, ep, "/hook", second, first);
  EXPECT_EQ(stored_where(first), "");
  EXPECT_EQ(stored_where(second), "");
  EXPECT_EQ(server->terminate_and_wait(), 0) << server->err();
  auto alone = serve_refused({}, {"--previous-master-key-file", key_file(old_key)});
  EXPECT_EQ(alone.exit_code, 2);
  EXPECT_NE(alone.err.find("without a current one"), std::string::npos) << alone.err;
}

// --- no secret in logs ---

// The pj_session token of a sign-in's Set-Cookie ("" when none).
std::string cookie_token(const ClientResponse& r) {
  auto it = r.headers.find("set-cookie");
  std::smatch m;
  if (it == r.headers.end() || !std::regex_search(it->second, m, std::regex("^pj_session=([^;]*)")))
    return "";
  return m[1];
}

TEST_F(SecretsTest, NoSecretReachesTheLogsAtTheMostVerboseLevel) {
  std::vector<std::string> secrets{master_key};
  auto server = serve({key_env()}, {"--log-level", "trace"});
  auto [account, key] = cli_tenant({key_env()});
  secrets.push_back(key);
  auto user = pj({key_env()}, {"user", "create", "--account", account, "--email", "ops@example.com",
                               "--password", kPassword});
  ASSERT_EQ(user.exit_code, 0) << user.err;
  secrets.push_back(kPassword);

  // API keys: made, used, revoked, used again; bad ones of every kind.
  auto made = call("POST", "/api/v1/api-keys", key, R"({"name":"second"})");
  ASSERT_EQ(made.status, 201);
  const std::string second_key = str(parse(made.body), "key");
  secrets.push_back(second_key);
  EXPECT_EQ(call("GET", "/api/v1/endpoints", second_key).status, 200);
  EXPECT_EQ(call("DELETE", "/api/v1/api-keys/" + str(parse(made.body), "id"), key).status, 204);
  EXPECT_EQ(call("GET", "/api/v1/endpoints", second_key).status, 401);
  const std::string unknown = "pj_live_" + std::string(32, 'Z');
  const std::string malformed = "pj_live_short-and-wrong-Xq9";
  secrets.push_back(unknown);
  secrets.push_back(malformed);
  EXPECT_EQ(call("GET", "/api/v1/endpoints", unknown).status, 401);
  EXPECT_EQ(call("GET", "/api/v1/endpoints", malformed).status, 401);
  EXPECT_EQ(call("POST", "/api/v1/e/ep_nothing", unknown, "{}").status, 401);

  // Endpoints: made, read, rotated; deliveries signed with both secrets, one
  // receiver failing first (a retry), one answering 410.
  auto [ep, first] = make_endpoint(key, "/hook");
  secrets.push_back(first);
  expect_signed_delivery(key, ep, "/hook", first);
  const std::string second = rotate(key, ep);
  secrets.push_back(second);
  EXPECT_EQ(read_secret(key, ep), second);
  rx.script("/flaky", Script(500));
  auto [flaky, flaky_secret] = make_endpoint(key, "/flaky");
  secrets.push_back(flaky_secret);
  ASSERT_EQ(call("POST", "/api/v1/e/" + flaky, key, "{}").status, 202);
  ASSERT_TRUE(rx.wait_for("/flaky", 3, 15s));
  expect_signed_delivery(key, ep, "/hook", second, first);

  // `promptjang listen` verifying deliveries with the endpoint's secret.
  auto [to_listen, listen_secret] = make_endpoint(key, "/unused");
  secrets.push_back(listen_secret);
  ChildProcess listen({promptjang_binary(), "listen", "--port", "0", "--secret", listen_secret},
                      dir.path().string());
  auto listen_port = listen.wait_for("listening on http://127.0.0.1:", 20s);
  ASSERT_TRUE(listen_port) << listen.err() << listen.out();
  const std::string port_only = std::regex_replace(*listen_port, std::regex("[^0-9].*$"), "");
  auto patched =
      call("PATCH", "/api/v1/endpoints/" + to_listen, key,
           json::serialize(json::object{{"url", "http://127.0.0.1:" + port_only + "/"}}));
  ASSERT_EQ(patched.status, 200) << patched.body;
  ASSERT_EQ(call("POST", "/api/v1/e/" + to_listen, key, R"({"event":"x"})").status, 202);
  auto hex_verdict = listen.wait_for("X-PromptJang-Signature:", 15s);
  ASSERT_TRUE(hex_verdict) << listen.out();
  EXPECT_NE(hex_verdict->find("ok"), std::string::npos) << listen.out();
  auto standard_verdict = listen.wait_for("webhook-signature:", 5s);
  ASSERT_TRUE(standard_verdict) << listen.out();
  EXPECT_NE(standard_verdict->find("ok"), std::string::npos) << listen.out();

  // Sessions: a wrong password, a sign-in, CSRF missing, wrong and right, sign-out.
  auto login = [&](const std::string& password) {
    return http.request(
        "POST", url("/api/v1/session"), {kJson},
        json::serialize(json::object{{"email", "ops@example.com"}, {"password", password}}));
  };
  const std::string wrong_password = "Tr0ub4dor&3-not-it";
  secrets.push_back(wrong_password);
  EXPECT_EQ(login(wrong_password).status, 401);
  auto in = login(kPassword);
  ASSERT_EQ(in.status, 200) << in.body;
  const std::string token = cookie_token(in);
  const std::string csrf = str(parse(in.body), "csrf_token");
  secrets.push_back(token);
  secrets.push_back(csrf);
  const std::string cookie = "Cookie: pj_session=" + token;
  EXPECT_EQ(http.request("GET", url("/api/v1/session"), {cookie}).status, 200);
  EXPECT_EQ(http.request("POST", url("/api/v1/api-keys"), {cookie, kJson}, "{}").status, 403);
  EXPECT_EQ(http.request("POST", url("/api/v1/api-keys"),
                         {cookie, kJson, "X-CSRF-Token: " + std::string(64, 'a')}, "{}")
                .status,
            403);
  auto ui_key = http.request("POST", url("/api/v1/api-keys"),
                             {cookie, kJson, "X-CSRF-Token: " + csrf}, R"({"name":"ui"})");
  ASSERT_EQ(ui_key.status, 201) << ui_key.body;
  secrets.push_back(str(parse(ui_key.body), "key"));
  auto ui_secret = http.request("GET", url("/api/v1/endpoints/" + ep + "/secret"), {cookie});
  EXPECT_EQ(ui_secret.status, 200);
  EXPECT_EQ(
      http.request("DELETE", url("/api/v1/session"), {cookie, "X-CSRF-Token: " + csrf}).status,
      204);
  EXPECT_EQ(http.request("GET", url("/api/v1/session"), {cookie}).status, 401);

  EXPECT_EQ(http.request("GET", url("/metrics")).status, 200);
  EXPECT_EQ(server->terminate_and_wait(), 0);
  EXPECT_EQ(listen.terminate_and_wait(), 0);
  const std::string logs = server->out() + server->err();
  // The log level was really a verbose one: a scrape's request line is debug.
  EXPECT_NE(logs.find("path=/metrics"), std::string::npos) << logs;
  EXPECT_NE(logs.find("msg=attempt event_id=evt_"), std::string::npos) << logs;
  const std::string listened = listen.out() + listen.err();
  EXPECT_NE(listened.find("signature"), std::string::npos) << listened;
  std::vector<std::string> needles;
  for (const auto& s : secrets) {
    needles.push_back(s);
    if (s.starts_with("whsec_")) needles.push_back(s.substr(6));     // the key bytes' base64
    if (s.starts_with("pj_live_")) needles.push_back(s.substr(12));  // past the shown prefix
  }
  for (const auto& s : needles) {
    EXPECT_EQ(logs.find(s), std::string::npos) << "the server's output holds " << s;
    EXPECT_EQ(listened.find(s), std::string::npos) << "listen's output holds " << s;
  }
}

}  // namespace
}  // namespace promptjang::testing
