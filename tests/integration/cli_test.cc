// The promptjang binary's commands (SPEC §10): admin commands with --json,
// working on the database of a running server; bad usage gives a clear message
// and a non-zero exit.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "support/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace promptjang::testing {
namespace {

namespace json = boost::json;

class CliTest : public ::testing::Test {
 protected:
  TempDir dir;
  std::string db = "sqlite:" + dir.file("pj.db");
  CommandResult pj(std::vector<std::string> args) {
    args.insert(args.begin(), promptjang_binary());
    return run_command(args);
  }
  json::value pj_json(std::vector<std::string> args) {
    auto r = pj(std::move(args));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out);
  }
};

TEST_F(CliTest, AdminCommandsWorkWhileTheServerRuns) {
  ChildProcess server({promptjang_binary(), "serve", "--listen", "127.0.0.1:0", "--database", db},
                      dir.path().string());
  auto port = server.wait_for_port(std::chrono::seconds(20));
  ASSERT_TRUE(port) << server.err();
  auto bootstrap_key = server.wait_for("API key:    ", std::chrono::seconds(1));
  ASSERT_TRUE(bootstrap_key) << "first start prints a key: " << server.out();

  auto account =
      pj_json({"account", "create", "--name", "Acme", "--plan", "pro", "--json", "--database", db});
  std::string account_id(account.at("id").as_string());
  EXPECT_EQ(account_id.rfind("acct_", 0), 0u);
  EXPECT_EQ(account.at("plan").as_string(), "pro");

  auto key = pj_json(
      {"api-key", "create", "--account", account_id, "--name", "ops", "--json", "--database", db});
  std::string full(key.at("key").as_string());
  EXPECT_EQ(full.rfind("pj_live_", 0), 0u);

  auto user = pj_json({"user", "create", "--account", account_id, "--email", "Ops@Example.com",
                       "--json", "--database", db});
  EXPECT_EQ(user.at("email").as_string(), "ops@example.com");
  EXPECT_GE(user.at("password").as_string().size(), 10u);
  auto dup = pj(
      {"user", "create", "--account", account_id, "--email", "ops@example.com", "--database", db});
  EXPECT_NE(dup.exit_code, 0);
  EXPECT_NE(dup.err.find("error:"), std::string::npos);

  // The running server sees the key made by another process at once.
  HttpClient http;
  auto r = http.request("GET", "http://127.0.0.1:" + *port + "/api/v1/endpoints",
                        {"Authorization: Bearer " + full});
  EXPECT_EQ(r.status, 200) << r.body;
  r = http.request("GET", "http://127.0.0.1:" + *port + "/api/v1/endpoints",
                   {"Authorization: Bearer " + *bootstrap_key});
  EXPECT_EQ(r.status, 200) << r.body;

  EXPECT_EQ(server.terminate_and_wait(), 0) << server.err();
  EXPECT_NE(server.err().find("stopped"), std::string::npos);
}

TEST_F(CliTest, PlanAndUsageCommands) {
  auto account = pj_json({"account", "create", "--name", "Acme", "--json", "--database", db});
  std::string id(account.at("id").as_string());
  auto usage = pj_json({"usage", "--account", id, "--json", "--database", db});
  EXPECT_EQ(usage.at("plan").as_string(), "starter");
  EXPECT_EQ(usage.at("events").as_int64(), 0);
  EXPECT_EQ(usage.at("cost_cents").as_int64(), 2900);
  auto changed = pj_json(
      {"account", "set-plan", "--account", id, "--plan", "pro", "--json", "--database", db});
  EXPECT_EQ(changed.at("plan").as_string(), "pro");
  usage = pj_json({"usage", "--account", id, "--month", "2026-01", "--json", "--database", db});
  EXPECT_EQ(usage.at("plan").as_string(), "pro");
  EXPECT_EQ(usage.at("period").as_string(), "2026-01");
  EXPECT_EQ(usage.at("cost_cents").as_int64(), 6900);
  auto text = pj({"usage", "--account", id, "--database", db});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("$69.00"), std::string::npos) << text.out;
  EXPECT_NE(
      pj({"account", "set-plan", "--account", id, "--plan", "free", "--database", db}).exit_code,
      0);
  EXPECT_NE(pj({"account", "set-plan", "--account", "acct_nope", "--plan", "pro", "--database", db})
                .exit_code,
            0);
  EXPECT_NE(pj({"usage", "--account", id, "--month", "2026-13", "--database", db}).exit_code, 0);
}

TEST_F(CliTest, SecondStartDoesNotBootstrapAgain) {
  {
    ChildProcess s({promptjang_binary(), "serve", "--listen", "127.0.0.1:0", "--database", db},
                   dir.path().string());
    ASSERT_TRUE(s.wait_for_port(std::chrono::seconds(20)));
    EXPECT_NE(s.out().find("API key:"), std::string::npos);
    EXPECT_EQ(s.terminate_and_wait(), 0);
  }
  ChildProcess s({promptjang_binary(), "serve", "--listen", "127.0.0.1:0", "--database", db},
                 dir.path().string());
  ASSERT_TRUE(s.wait_for_port(std::chrono::seconds(20)));
  EXPECT_EQ(s.out().find("API key:"), std::string::npos);
}

TEST_F(CliTest, BadUsageFailsClearly) {
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  for (const auto& c : std::vector<Case>{
           {{"account", "create", "--name", "x", "--plan", "free", "--database", db}, "plan"},
           {{"account", "create", "--database", db}, "--name"},
           {{"api-key", "create", "--account", "acct_missing", "--database", db}, "error"},
           {{"user", "create", "--account", "acct_x", "--email", "not-an-email", "--database", db},
            "email"},
           {{"serve", "--listen", "nonsense", "--database", db}, "--listen"},
           {{"serve", "--retry-schedule", "1,-2", "--database", db}, "--retry-schedule"},
           {{"serve", "--database", "mysql://x"}, "--database"},
           {{"frobnicate"}, ""},
           {{}, ""}}) {
    auto r = pj(c.args);
    EXPECT_NE(r.exit_code, 0) << c.says;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
  }
}

TEST_F(CliTest, SettingsComeFromEnvironmentAndConfigFile) {
  std::string cfg = dir.file("pj.toml");
  {
    FILE* f = std::fopen(cfg.c_str(), "w");
    std::fprintf(f, "listen = \"127.0.0.1:0\"\ndatabase = \"%s\"\nlog-level = \"debug\"\n",
                 db.c_str());
    std::fclose(f);
  }
  ChildProcess s({promptjang_binary(), "serve", "--config", cfg}, dir.path().string());
  ASSERT_TRUE(s.wait_for_port(std::chrono::seconds(20))) << s.err();
  EXPECT_EQ(s.terminate_and_wait(), 0);
  EXPECT_TRUE(std::filesystem::exists(dir.file("pj.db")));

  // A flag wins over the file.
  auto bad = pj({"serve", "--config", cfg, "--listen", "bogus"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--listen"), std::string::npos);

  // The environment wins over the file (and is read at all).
  ::setenv("PROMPTJANG_LOG_LEVEL", "shouty", 1);
  auto env = pj({"serve", "--config", cfg});
  ::unsetenv("PROMPTJANG_LOG_LEVEL");
  EXPECT_EQ(env.exit_code, 2);
  EXPECT_NE(env.err.find("--log-level"), std::string::npos) << env.err;

  // A key the file should not have is named.
  std::string typo = dir.file("typo.toml");
  FILE* f = std::fopen(typo.c_str(), "w");
  std::fprintf(f, "lisen = \"127.0.0.1:0\"\n");
  std::fclose(f);
  auto t = pj({"serve", "--config", typo});
  EXPECT_EQ(t.exit_code, 2);
  EXPECT_NE(t.err.find("lisen"), std::string::npos) << t.err;
}

// A bad value stops `serve` at start-up with exit code 2 and a message that
// names the setting in its three spellings and the value, wherever it came
// from: a flag, an environment variable or the config file.
TEST_F(CliTest, ABadSettingIsNamedWhereverItComesFrom) {
  const std::string lease_names = "--lease (PROMPTJANG_LEASE, \"lease\" in the config file)";
  const std::vector<std::string> safe{"--listen", "127.0.0.1:0", "--database", db};
  auto serve_with = [&](const std::string& env, std::vector<std::string> args) {
    const auto eq = env.find('=');
    if (!env.empty()) ::setenv(env.substr(0, eq).c_str(), env.substr(eq + 1).c_str(), 1);
    args.insert(args.begin(), "serve");
    args.insert(args.end(), safe.begin(), safe.end());
    auto r = pj(args);
    if (!env.empty()) ::unsetenv(env.substr(0, eq).c_str());
    return r;
  };
  auto toml = [&](const std::string& name, const std::string& text) {
    std::string path = dir.file(name);
    FILE* f = std::fopen(path.c_str(), "w");
    std::fputs(text.c_str(), f);
    std::fclose(f);
    return path;
  };

  // Out of range (validate()).
  for (const auto& r : {serve_with("PROMPTJANG_LEASE=0.5", {}), serve_with("", {"--lease", "0.5"}),
                        serve_with("", {"--config", toml("range.toml", "lease = 0.5\n")})}) {
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("error: " + lease_names + " must be 1 to 3600 seconds, got 0.5"),
              std::string::npos)
        << r.err;
  }
  // Not a number at all (CLI11's conversion).
  for (const auto& r : {serve_with("PROMPTJANG_LEASE=abc", {}), serve_with("", {"--lease", "abc"}),
                        serve_with("", {"--config", toml("word.toml", "lease = \"abc\"\n")})}) {
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(lease_names + " must be a number, got 'abc'"), std::string::npos) << r.err;
  }
  // The file's errors name the file.
  const std::string word = dir.file("word.toml");
  auto r = serve_with("", {"--config", word});
  EXPECT_NE(r.err.find("error: config file '" + word + "': --lease"), std::string::npos) << r.err;
  r = serve_with("PROMPTJANG_IO_THREADS=1.5", {});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--io-threads (PROMPTJANG_IO_THREADS, \"io-threads\" in the config file) "
                       "must be a whole number, got '1.5'"),
            std::string::npos)
      << r.err;
  r = serve_with("", {"--config", toml("flag.toml", "no-delivery = \"maybe\"\n")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--no-delivery (PROMPTJANG_NO_DELIVERY, \"no-delivery\" in the config "
                       "file) must be true or false, got 'maybe'"),
            std::string::npos)
      << r.err;
  r = serve_with("", {"--config", toml("empty.toml", "poll-interval =\n")});
  EXPECT_EQ(r.exit_code, 2) << "not read as 0";
  EXPECT_NE(r.err.find("--poll-interval (PROMPTJANG_POLL_INTERVAL, \"poll-interval\" in the "
                       "config file) must be a number, got ''"),
            std::string::npos)
      << r.err;
  r = serve_with("PROMPTJANG_MAX_CONNECTIONS=-1", {});
  EXPECT_EQ(r.exit_code, 2) << "not read as 2^64 - 1";
  EXPECT_NE(r.err.find("--max-connections (PROMPTJANG_MAX_CONNECTIONS"), std::string::npos)
      << r.err;
  r = serve_with("PROMPTJANG_LOG_FORMAT=xml", {});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--log-format (PROMPTJANG_LOG_FORMAT, \"log-format\" in the config file) "
                       "must be logfmt or json, got 'xml'"),
            std::string::npos)
      << r.err;
  const std::string missing = dir.file("missing.toml");
  r = serve_with("PROMPTJANG_CONFIG=" + missing, {});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cannot read the config file '" + missing + "'"), std::string::npos)
      << r.err;
  // An unknown flag is named, and is a usage error (2) too.
  r = serve_with("", {"--lese", "30"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("error: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--lese"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("pj.db"))) << "no start went as far as the store";
}

}  // namespace
}  // namespace promptjang::testing
