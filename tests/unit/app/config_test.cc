// Parsing and validation of serve's settings.
#include "app/config.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>

#include "app/setting_error.h"

namespace promptjang {
namespace {

TEST(ConfigTest, Listen) {
  auto a = parse_listen("127.0.0.1:8080");
  ASSERT_TRUE(a.is_ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 8080);
  auto b = parse_listen("[::1]:0");
  ASSERT_TRUE(b.is_ok());
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->port, 0);
  for (auto s : {"", "8080", ":8080", "host:", "host:65536", "host:80x", "[::1]8080"})
    EXPECT_FALSE(parse_listen(s).is_ok()) << s;
}

// Found by tests/fuzz/config_fuzz: any text before the last colon was a host.
TEST(ConfigTest, ListenHostIsANameOrAnAddress) {
  for (auto bad : {"a b:80", "x]:80", "[::1]]:80", "a/b:80", "a\nb:80", "\t:80", "h\x7f:80",
                   "caf\xc3\xa9:80", "[[::1]:80"})
    EXPECT_FALSE(parse_listen(bad).is_ok()) << bad;
  for (auto good : {"localhost:0", "0.0.0.0:8080", "[::]:443", "[fe80::1%eth0]:80", "h-1.x:1"})
    EXPECT_TRUE(parse_listen(good).is_ok()) << good;
}

TEST(ConfigTest, Database) {
  auto a = parse_database_url("sqlite:./data/pj.db");
  ASSERT_TRUE(a.is_ok());
  EXPECT_EQ(a->kind, DatabaseUrl::Kind::kSqlite);
  EXPECT_EQ(a->target, "./data/pj.db");
  EXPECT_EQ(parse_database_url("sqlite:///var/lib/pj.db")->target, "/var/lib/pj.db");
  EXPECT_EQ(parse_database_url("pj.db")->target, "pj.db");
  EXPECT_EQ(parse_database_url("postgres://u@h/db")->kind, DatabaseUrl::Kind::kPostgres);
  EXPECT_FALSE(parse_database_url("mysql://h/db").is_ok());
  EXPECT_FALSE(parse_database_url("sqlite:").is_ok());
}

TEST(ConfigTest, RetrySchedule) {
  auto s = parse_retry_schedule("60,120,240,480,960");
  ASSERT_TRUE(s.is_ok());
  ASSERT_EQ(s->size(), 5u);
  EXPECT_EQ((*s)[4], std::chrono::milliseconds(960000));
  auto d = parse_retry_schedule("0.2, 0.4");
  ASSERT_TRUE(d.is_ok());
  EXPECT_EQ((*d)[0], std::chrono::milliseconds(200));
  EXPECT_TRUE(parse_retry_schedule("")->empty());
  for (auto bad : {"1,,2", "-1", "0", "abc", "1;2", "nan", "100000"})
    EXPECT_FALSE(parse_retry_schedule(bad).is_ok()) << bad;
}

// Found by tests/fuzz/config_fuzz: "0.0001" passed as "> 0" and became a 0 ms
// delay; "60," was taken as "60" (while "60,,120" was refused).
TEST(ConfigTest, NoRetryDelayRoundsToZeroMilliseconds) {
  for (auto bad : {"0.0001", "1e-300", "60,0.0004", "0.00049", "60,"})
    EXPECT_FALSE(parse_retry_schedule(bad).is_ok()) << bad;
  auto s = parse_retry_schedule("0.0005,0.001");
  ASSERT_TRUE(s.is_ok());
  EXPECT_EQ((*s)[0], std::chrono::milliseconds(1));
  EXPECT_EQ((*s)[1], std::chrono::milliseconds(1));
}

TEST(ConfigTest, ValidateFailsFast) {
  Config c;
  EXPECT_TRUE(validate(c).is_ok());
  c.delivery_timeout_s = 0;
  EXPECT_FALSE(validate(c).is_ok());
  c = Config{};
  c.log_level = "loud";
  EXPECT_FALSE(validate(c).is_ok());
  c = Config{};
  c.connect_timeout_s = 20;
  EXPECT_FALSE(validate(c).is_ok());
  c = Config{};
  EXPECT_EQ(c.http_client, "beast");
  c.http_client = "curl";
  EXPECT_TRUE(validate(c).is_ok());
  c.http_client = "wget";
  Status s = validate(c);
  EXPECT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("--http-client"), std::string::npos) << s.message();
}

// Found by tests/fuzz/config_fuzz: NaN passed the "not negative" check.
TEST(ConfigTest, RateLimitsMustBeFiniteAndNotNegative) {
  for (double bad : {std::nan(""), -std::nan(""), HUGE_VAL, -HUGE_VAL, -1.0}) {
    Config c;
    c.rate_limit = bad;
    EXPECT_FALSE(validate(c).is_ok()) << bad;
    c = Config{};
    c.rate_limit_burst = bad;
    Status s = validate(c);
    EXPECT_FALSE(s.is_ok()) << bad;
    EXPECT_NE(s.message().find("--rate-limit"), std::string::npos) << s.message();
  }
  Config c;
  c.rate_limit = 0.5;
  c.rate_limit_burst = 3;
  EXPECT_TRUE(validate(c).is_ok());
}

TEST(ConfigTest, TheLeaseIsOneSecondToAnHour) {
  Config c;
  EXPECT_EQ(c.lease_s, 30);
  for (double ok : {1.0, 2.5, 3600.0}) {
    c.lease_s = ok;
    EXPECT_TRUE(validate(c).is_ok()) << ok;
  }
  for (double bad : {0.0, 0.5, -1.0, 3601.0}) {
    c.lease_s = bad;
    Status st = validate(c);
    EXPECT_FALSE(st.is_ok()) << bad;
    EXPECT_NE(st.message().find("--lease"), std::string::npos) << st.message();
  }
}

TEST(ConfigTest, ThePollIntervalIsAutomaticOrAtLeastFiftyMilliseconds) {
  Config c;
  EXPECT_EQ(c.poll_interval_s, 0) << "0: the back end's default (1 s SQLite, 5 s PostgreSQL)";
  for (double ok : {0.0, 0.05, 1.0, 60.0, 3600.0}) {
    c.poll_interval_s = ok;
    EXPECT_TRUE(validate(c).is_ok()) << ok;
  }
  for (double bad : {0.01, -1.0, 3601.0}) {
    c.poll_interval_s = bad;
    Status st = validate(c);
    EXPECT_FALSE(st.is_ok()) << bad;
    EXPECT_NE(st.message().find("--poll-interval"), std::string::npos) << st.message();
  }
}

TEST(ConfigTest, ASettingIsNamedInItsThreeSpellings) {
  EXPECT_EQ(setting_names("--lease"), "--lease (PROMPTJANG_LEASE, \"lease\" in the config file)");
  EXPECT_EQ(setting_names("--max-in-flight-per-endpoint"),
            "--max-in-flight-per-endpoint (PROMPTJANG_MAX_IN_FLIGHT_PER_ENDPOINT, "
            "\"max-in-flight-per-endpoint\" in the config file)");
  EXPECT_EQ(shown_value(0.5), "0.5");
  EXPECT_EQ(shown_value(3601.0), "3601");
  EXPECT_EQ(shown_value(std::nan("")), "nan");
  EXPECT_EQ(shown_value(-HUGE_VAL), "-inf");
  EXPECT_EQ(shown_value(std::string_view("a\nb\x7f'")), "'a\\x0ab\\x7f''");
}

TEST(ConfigTest, AnErrorSaysWhatTheSettingTakesAndWhatItGot) {
  Config c;
  c.lease_s = 0.5;
  EXPECT_EQ(validate(c).message(),
            "--lease (PROMPTJANG_LEASE, \"lease\" in the config file) must be 1 to 3600 seconds, "
            "got 0.5");
  c = Config{};
  c.http_client = "wget";
  EXPECT_EQ(validate(c).message(),
            "--http-client (PROMPTJANG_HTTP_CLIENT, \"http-client\" in the config file) must be "
            "beast or curl, got 'wget'");
  c = Config{};
  c.max_in_flight = 8;
  c.max_in_flight_per_endpoint = 9;
  EXPECT_EQ(validate(c).message(),
            "--max-in-flight-per-endpoint (PROMPTJANG_MAX_IN_FLIGHT_PER_ENDPOINT, "
            "\"max-in-flight-per-endpoint\" in the config file) must be 1 to --max-in-flight (8), "
            "got 9");
}

// Every check of validate() and of the value parsers names its setting in all
// three spellings and ends with the value it refused.
TEST(ConfigTest, EveryCheckNamesItsSettingAndTheValue) {
  struct Case {
    std::function<void(Config&)> set;
    std::string flag;
    std::string got;
  };
  const std::vector<Case> cases{
      {[](Config& c) { c.listen = "nonsense"; }, "--listen", "'nonsense'"},
      {[](Config& c) { c.ops_listen = "[::1]8080"; }, "--ops-listen", "'[::1]8080'"},
      {[](Config& c) { c.database = "mysql://h/db"; }, "--database", "'mysql://h/db'"},
      {[](Config& c) { c.database = "sqlite:"; }, "--database", "'sqlite:'"},
      {[](Config& c) { c.retry_schedule = "1,-2"; }, "--retry-schedule", "'1,-2'"},
      {[](Config& c) { c.retry_schedule = "60,"; }, "--retry-schedule", "'60,'"},
      {[](Config& c) { c.retry_schedule = "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1"; },
       "--retry-schedule", "'1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1'"},
      {[](Config& c) { c.delivery_timeout_s = 0; }, "--delivery-timeout", "0"},
      {[](Config& c) { c.delivery_timeout_s = 301; }, "--delivery-timeout", "301"},
      {[](Config& c) { c.connect_timeout_s = 20; }, "--connect-timeout", "20"},
      {[](Config& c) { c.lease_s = 3601; }, "--lease", "3601"},
      {[](Config& c) { c.poll_interval_s = 0.01; }, "--poll-interval", "0.01"},
      {[](Config& c) { c.io_threads = 0; }, "--io-threads", "0"},
      {[](Config& c) { c.io_threads = 65; }, "--io-threads", "65"},
      {[](Config& c) { c.max_connections = 0; }, "--max-connections", "0"},
      {[](Config& c) { c.max_connections = SIZE_MAX; }, "--max-connections",
       "18446744073709551615"},
      {[](Config& c) { c.max_in_flight = 100001; }, "--max-in-flight", "100001"},
      {[](Config& c) { c.max_in_flight_per_endpoint = 0; }, "--max-in-flight-per-endpoint", "0"},
      {[](Config& c) { c.http_client = "wget"; }, "--http-client", "'wget'"},
      {[](Config& c) { c.rate_limit = std::nan(""); }, "--rate-limit", "nan"},
      {[](Config& c) { c.rate_limit_burst = -1; }, "--rate-limit-burst", "-1"},
      {[](Config& c) { c.log_format = "xml"; }, "--log-format", "'xml'"},
      {[](Config& c) { c.log_level = "loud"; }, "--log-level", "'loud'"},
  };
  for (const auto& k : cases) {
    Config c;
    k.set(c);
    Status s = validate(c);
    ASSERT_FALSE(s.is_ok()) << k.flag << " " << k.got;
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(s.message().starts_with(setting_names(k.flag) + " must ")) << s.message();
    EXPECT_TRUE(s.message().ends_with(", got " + k.got)) << s.message();
  }
}

TEST(ConfigTest, TheValueParsersNameTheSettingTheyAreGiven) {
  EXPECT_EQ(parse_listen("x", "--ops-listen").status().message(),
            "--ops-listen (PROMPTJANG_OPS_LISTEN, \"ops-listen\" in the config file) must be "
            "HOST:PORT (e.g. 127.0.0.1:8080), got 'x'");
  EXPECT_TRUE(parse_listen("x").status().message().starts_with(setting_names("--listen")));
  EXPECT_EQ(parse_retry_schedule("60,abc").status().message(),
            "--retry-schedule (PROMPTJANG_RETRY_SCHEDULE, \"retry-schedule\" in the config file) "
            "must be seconds separated by commas, each 0.001 to 86400 (not 'abc'), got '60,abc'");
  EXPECT_TRUE(
      parse_database_url("sqlite:").status().message().starts_with(setting_names("--database")));
}

}  // namespace
}  // namespace promptjang
