// The tests' strict parser of the Prometheus text format (tests/support/
// prometheus_text.h): it reads back what the metrics registry renders
// (counters, gauges, histograms, callbacks, escaped label values and help),
// accepts what the format allows, and rejects each malformed input for the
// right reason, naming the right line.
#include "support/prometheus_text.h"

#include <gtest/gtest.h>

#include <cmath>

#include "metrics/registry.h"

namespace promptjang::testing::prometheus {
namespace {

// The cumulative count of `name`'s bucket whose le is `le` (compared as numbers:
// the registry writes 0.1 as "0.10000000000000001").
std::optional<double> bucket(const Exposition& e, const std::string& name, double le) {
  for (const auto& f : e.families)
    for (const auto& s : f.samples)
      if (s.name == name + "_bucket" && std::stod(s.labels.at("le")) == le) return s.value;
  return std::nullopt;
}

ParseResult parsed(const std::string& text) {
  ParseResult r = parse(text);
  EXPECT_TRUE(r.ok()) << r.error.message() << "\nin:\n" << text;
  return r;
}

TEST(PrometheusTextTest, ParsesWhatTheRegistryRenders) {
  metrics::Registry r;
  r.counter("pj_ingest_total", "Ingest requests by code.", {"code"}, {"202"}).inc(3);
  r.counter("pj_ingest_total", "Ingest requests by code.", {"code"}, {"401"}).inc();
  r.counter("pj_plain_total", "No labels.");  // never incremented: 0
  r.gauge("pj_in_flight", "In flight.").set(-2);
  r.counter("pj_odd_total", "Help with \\ and\nnewline and \"quotes\".", {"v"}, {"a\"b\\c\nd"})
      .inc();
  auto& h = r.histogram("pj_latency_seconds", "Latency.", metrics::latency_buckets());
  h.observe(0.003);
  h.observe(0.2);
  h.observe(100);
  auto& by_route = r.histogram("pj_route_seconds", "By route.", {0.1, 1}, {"route"}, {"/a"});
  by_route.observe(0.5);
  r.histogram("pj_route_seconds", "By route.", {0.1, 1}, {"route"}, {"/b"});  // empty
  r.gauge_callback("pj_events", "Events by status.", {"status"}, [] {
    return std::vector<metrics::Registry::Sample>{{{"QUEUED"}, 3}, {{"DELIVERED"}, 1e6}};
  });
  r.gauge_callback("pj_ratio", "A fraction.", {}, [] {
    return std::vector<metrics::Registry::Sample>{{{}, 0.25}};
  });
  r.gauge_callback("pj_nothing", "No samples yet.", {"x"},
                   [] { return std::vector<metrics::Registry::Sample>{}; });

  const std::string text = r.render();
  ParseResult p = parsed(text);
  ASSERT_TRUE(p.ok());
  const Exposition& e = *p.exposition;
  ASSERT_EQ(e.families.size(), 9u) << text;
  EXPECT_EQ(e.families[0].name, "pj_ingest_total");
  EXPECT_EQ(e.families[0].type, "counter");
  EXPECT_EQ(e.families[0].help, "Ingest requests by code.");
  EXPECT_EQ(e.value("pj_ingest_total", {{"code", "202"}}), 3);
  EXPECT_EQ(e.value("pj_ingest_total", {{"code", "401"}}), 1);
  EXPECT_EQ(e.value("pj_ingest_total"), std::nullopt) << "the label set must match exactly";
  EXPECT_EQ(e.value("pj_plain_total"), 0);
  EXPECT_EQ(e.value("pj_in_flight"), -2);
  EXPECT_EQ(e.family("pj_in_flight")->type, "gauge");

  const Family* odd = e.family("pj_odd_total");
  ASSERT_NE(odd, nullptr);
  EXPECT_EQ(odd->help, "Help with \\ and\nnewline and \"quotes\".");
  ASSERT_EQ(odd->samples.size(), 1u);
  EXPECT_EQ(odd->samples[0].labels.at("v"), "a\"b\\c\nd");
  EXPECT_EQ(series_key(odd->samples[0]), R"(pj_odd_total{v="a\"b\\c\nd"})");

  const Family* lat = e.family("pj_latency_seconds");
  ASSERT_NE(lat, nullptr);
  EXPECT_EQ(lat->type, "histogram");
  EXPECT_EQ(lat->samples.size(), metrics::latency_buckets().size() + 3);
  EXPECT_EQ(bucket(e, "pj_latency_seconds", 0.005), 1);
  EXPECT_EQ(bucket(e, "pj_latency_seconds", 0.25), 2);
  EXPECT_EQ(bucket(e, "pj_latency_seconds", 60), 2);
  EXPECT_EQ(e.value("pj_latency_seconds_bucket", {{"le", "+Inf"}}), 3);
  EXPECT_EQ(e.value("pj_latency_seconds_count"), 3);
  EXPECT_NEAR(*e.value("pj_latency_seconds_sum"), 100.203, 1e-9);
  EXPECT_EQ(e.value("pj_route_seconds_count", {{"route", "/a"}}), 1);
  EXPECT_EQ(e.value("pj_route_seconds_count", {{"route", "/b"}}), 0);

  EXPECT_EQ(e.value("pj_events", {{"status", "DELIVERED"}}), 1e6);
  EXPECT_EQ(e.value("pj_ratio"), 0.25);
  ASSERT_NE(e.family("pj_nothing"), nullptr);
  EXPECT_TRUE(e.family("pj_nothing")->samples.empty());

  // Counters and the histograms' buckets and counts: the series that only grow.
  auto grows = monotonic_series(e);
  EXPECT_EQ(grows.at(R"(pj_ingest_total{code="202"})"), 3);
  EXPECT_EQ(grows.at(R"(pj_latency_seconds_bucket{le="+Inf"})"), 3);
  EXPECT_EQ(grows.at("pj_latency_seconds_count"), 3);
  EXPECT_FALSE(grows.contains("pj_latency_seconds_sum"));
  EXPECT_FALSE(grows.contains("pj_in_flight"));
}

TEST(PrometheusTextTest, AcceptsWhatTheFormatAllows) {
  const std::string text =
      "# A comment, then a blank line.\n"
      "\n"
      "#\n"
      "# HELP up\n"  // no docstring
      "# TYPE up gauge\n"
      "up 1 1700000000000\n"
      "# TYPE temp gauge\n"
      "  temp{ where = \"in\" , } \t -1.5e3  \n"  // blanks between tokens, a trailing comma
      "temp{where=\"out\"} NaN\n"
      "temp{where=\"sun\"} +Inf\n"
      "temp{where=\"void\"} -Inf\n"
      "temp{where=\"ice\"} -.5 -12\n"
      "temp{where=\"caf\xc3\xa9\"} 2.\n"
      "# TYPE rpc_seconds summary\n"
      "rpc_seconds{quantile=\"0.5\"} 0.1\n"
      "rpc_seconds{quantile=\"0.99\"} 0.9\n"
      "rpc_seconds_sum 12\n"
      "rpc_seconds_count 40\n"
      "# TYPE legacy untyped\n"
      "legacy 7\n"
      "# TYPE h histogram\n"
      "# HELP h After its TYPE, before its samples.\n"
      "h_bucket{le=\"1\"} 0\n"
      "h_bucket{le=\"1e1\"} 0\n"
      "h_bucket{le=\"+Inf\"} 0\n"
      "h_sum 0\n"
      "h_count 0\n";
  ParseResult p = parsed(text);
  ASSERT_TRUE(p.ok());
  const Exposition& e = *p.exposition;
  EXPECT_EQ(e.families.size(), 5u);
  EXPECT_EQ(e.family("up")->samples[0].timestamp_ms, 1700000000000);
  EXPECT_EQ(e.value("temp", {{"where", "in"}}), -1500);
  EXPECT_TRUE(std::isnan(*e.value("temp", {{"where", "out"}})));
  EXPECT_EQ(e.value("temp", {{"where", "sun"}}), HUGE_VAL);
  EXPECT_EQ(e.value("temp", {{"where", "void"}}), -HUGE_VAL);
  EXPECT_EQ(e.family("temp")->samples[4].timestamp_ms, -12);
  EXPECT_EQ(e.value("temp", {{"where", "caf\xc3\xa9"}}), 2);
  EXPECT_EQ(e.family("temp")->samples[1].line, 9u);
  EXPECT_EQ(e.family("h")->help, "After its TYPE, before its samples.");
  EXPECT_EQ(e.family("legacy")->type, "untyped");
  EXPECT_TRUE(parsed("").ok()) << "an empty exposition has no families";
}

struct Bad {
  const char* why;
  std::string text;
  size_t line;
  const char* expected;  // in the error's text
};

TEST(PrometheusTextTest, RejectsEachMalformedInputForTheRightReason) {
  const std::string counter = "# TYPE c_total counter\n";
  const std::string histogram = "# TYPE h histogram\n";
  const std::vector<Bad> cases = {
      {"no trailing newline", counter + "c_total 1", 2, "does not end with a newline"},
      {"a sample with no TYPE", "x 1\n", 1, "without a TYPE line"},
      {"a sample with HELP only", "# HELP x An x.\nx 1\n", 2, "without a TYPE line"},
      {"a line that is neither", counter + "{a=\"b\"} 1\n", 2, "not a sample, HELP, TYPE"},
      {"a metric name with a dash", "# TYPE a gauge\na-b 1\n", 2, "invalid character '-'"},
      {"a bad name in TYPE", "# TYPE 9lives counter\n", 1, "invalid metric name '9lives'"},
      {"TYPE without a name", "# TYPE\n", 1, "TYPE line without a metric name"},
      {"TYPE without a type", "# TYPE x\n", 1, "without a type"},
      {"an unknown type", "# TYPE x info\n", 1, "unknown metric type 'info'"},
      {"a type in capitals", "# TYPE x Counter\n", 1, "unknown metric type 'Counter'"},
      {"a second TYPE", counter + "# TYPE c_total counter\n", 2, "second TYPE line"},
      {"a second HELP", "# HELP x a\n# HELP x b\n", 2, "second HELP line"},
      {"TYPE after samples", "# HELP x a\nx 1\n# TYPE x gauge\n", 2, "without a TYPE line"},
      {"TYPE after typed samples", "# TYPE x gauge\nx{a=\"1\"} 1\n# TYPE x gauge\n", 3,
       "second TYPE line"},
      {"a bad escape in HELP", "# HELP x a \\t tab\n", 1, "invalid escape sequence '\\t'"},
      {"a bad label name", counter + "c_total{9a=\"1\"} 1\n", 2, "invalid label name"},
      {"a colon in a label name", counter + "c_total{a:b=\"1\"} 1\n", 2, "expected '='"},
      {"a reserved label name", counter + "c_total{__name__=\"x\"} 1\n", 2, "reserved label"},
      {"an unquoted label value", counter + "c_total{a=1} 1\n", 2, "is not quoted"},
      {"a bad escape in a label value", counter + "c_total{a=\"x\\ty\"} 1\n", 2,
       "invalid escape sequence '\\t'"},
      {"an unescaped quote", counter + "c_total{a=\"x\"y\"} 1\n", 2,
       "expected ',' or '}' after the value of label 'a'"},
      {"an unterminated label value", counter + "c_total{a=\"x} 1\n", 2, "unterminated value"},
      {"a backslash ending the line", counter + "c_total{a=\"x\\\n", 2, "unterminated value"},
      {"no closing brace", counter + "c_total{a=\"x\"\n", 2, "unterminated label set"},
      {"empty braces", counter + "c_total{} 1\n", 2, "empty label set"},
      {"a repeated label", counter + "c_total{a=\"1\",a=\"2\"} 1\n", 2, "appears twice"},
      {"invalid UTF-8 in a label value", counter + "c_total{a=\"\xff\"} 1\n", 2, "UTF-8"},
      {"no value", counter + "c_total\n", 2, "without a value"},
      {"a word for a value", counter + "c_total one\n", 2, "invalid value 'one'"},
      {"two dots", counter + "c_total 1.2.3\n", 2, "invalid value '1.2.3'"},
      {"inf spelled otherwise", counter + "c_total inf\n", 2, "invalid value 'inf'"},
      {"a hex value", counter + "c_total 0x10\n", 2, "invalid value '0x10'"},
      {"an exponent without digits", counter + "c_total 1e\n", 2, "invalid value '1e'"},
      {"a fractional timestamp", counter + "c_total 1 1.5\n", 2, "invalid timestamp '1.5'"},
      {"text after the timestamp", counter + "c_total 1 2 3\n", 2, "after the timestamp"},
      {"a carriage return", counter + "c_total 1\r\n", 2, "carriage return"},
      {"a negative counter", counter + "c_total -1\n", 2, "is negative"},
      {"a NaN counter", counter + "c_total NaN\n", 2, "is NaN"},
      {"a duplicate series", counter + "c_total{a=\"1\",b=\"2\"} 1\nc_total{b=\"2\",a=\"1\"} 2\n",
       3, "duplicate series c_total{a=\"1\",b=\"2\"} (first on line 2)"},
      {"a family's lines apart", counter + "c_total 1\n# TYPE g gauge\ng 1\n# HELP c_total late\n",
       5, "not together"},
      {"a sample after another family", "# TYPE a gauge\n# TYPE b gauge\na 1\n", 3, "not together"},
      {"a family named like a histogram's series", histogram + "# TYPE h_count counter\n", 2,
       "clashes with the series of histogram h"},
      {"a histogram's bare sample", histogram + "h 1\n", 2, "is not a _bucket, _sum or _count"},
      {"a bucket without le", histogram + "h_bucket 1\n", 2, "without an le label"},
      {"a bad le", histogram + "h_bucket{le=\"big\"} 1\n", 2, "invalid le=\"big\""},
      {"le descending", histogram + "h_bucket{le=\"1\"} 0\nh_bucket{le=\"0.5\"} 0\n", 3,
       "ascending order"},
      {"counts decreasing", histogram + "h_bucket{le=\"1\"} 5\nh_bucket{le=\"2\"} 4\n", 3,
       "never decrease"},
      {"a fractional bucket count", histogram + "h_bucket{le=\"1\"} 0.5\n", 2, "is not a count"},
      {"no +Inf bucket", histogram + "h_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n", 2,
       "no le=\"+Inf\" bucket"},
      {"+Inf differing from _count",
       histogram + "h_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n", 2,
       "bucket (2) differs from its _count (3)"},
      {"no _sum", histogram + "h_bucket{le=\"+Inf\"} 1\nh_count 1\n", 2, "has no _sum"},
      {"no _count", histogram + "h_bucket{le=\"+Inf\"} 1\nh_sum 1\n", 2, "has no _count"},
      {"a histogram series missing at the end of its family",
       histogram + "h_bucket{a=\"x\",le=\"+Inf\"} 1\nh_sum{a=\"x\"} 1\nh_count{a=\"x\"} 1\n" +
           "h_sum{a=\"y\"} 1\nh_count{a=\"y\"} 1\n# TYPE next gauge\n",
       5, "histogram h{a=\"y\"} has no _bucket series"},
      {"_sum with an le", histogram + "h_sum{le=\"1\"} 1\n", 2, "with an le label"},
      {"a summary without quantile", "# TYPE s summary\ns 1\n", 2, "without a quantile label"},
      {"a quantile above 1", "# TYPE s summary\ns{quantile=\"2\"} 1\n", 2, "invalid quantile"},
  };
  for (const auto& c : cases) {
    ParseResult r = parse(c.text);
    if (r.ok()) {
      ADD_FAILURE() << c.why << ": accepted\n" << c.text;
      continue;
    }
    EXPECT_EQ(r.error.line, c.line) << c.why << ": " << r.error.message();
    EXPECT_NE(r.error.what.find(c.expected), std::string::npos)
        << c.why << ": expected \"" << c.expected << "\", got " << r.error.message();
  }
}

TEST(PrometheusTextTest, TheErrorShowsTheOffendingLine) {
  ParseResult r = parse("# TYPE c_total counter\nc_total{a=\"x\"y\"} 1\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.text, "c_total{a=\"x\"y\"} 1");
  EXPECT_EQ(r.error.message().substr(0, 8), "line 2: ");
  EXPECT_NE(r.error.message().find("\n  | c_total{a=\"x\"y\"} 1"), std::string::npos);
}

}  // namespace
}  // namespace promptjang::testing::prometheus
