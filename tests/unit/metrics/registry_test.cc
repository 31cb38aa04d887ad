// The metrics registry: children are found again, counts are exact under
// concurrency, histograms are cumulative, and the text is Prometheus's format
// (every line a comment or `name{labels} value`, label values escaped).
#include "metrics/registry.h"

#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <thread>

namespace promptjang::metrics {
namespace {

TEST(RegistryTest, ChildrenAreFoundAgainAndRenderedWithTheirLabels) {
  Registry r;
  Counter& a = r.counter("pj_ingested_total", "Events ingested.", {"code"}, {"202"});
  Counter& b = r.counter("pj_ingested_total", "Events ingested.", {"code"}, {"503"});
  EXPECT_EQ(&a, &r.counter("pj_ingested_total", "Events ingested.", {"code"}, {"202"}));
  a.inc();
  a.inc(2);
  b.inc();
  r.gauge("pj_in_flight", "Requests being served.").set(4);
  const std::string text = r.render();
  EXPECT_NE(text.find("# HELP pj_ingested_total Events ingested.\n"
                      "# TYPE pj_ingested_total counter\n"
                      "pj_ingested_total{code=\"202\"} 3\n"
                      "pj_ingested_total{code=\"503\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE pj_in_flight gauge\npj_in_flight 4\n"), std::string::npos) << text;
}

TEST(RegistryTest, HistogramsAreCumulativeWithSumAndCount) {
  Registry r;
  Histogram& h = r.histogram("pj_latency_seconds", "Latency.", {0.1, 1});
  h.observe(0.05);
  h.observe(0.1);  // on a bound: counted in it (le = less or equal)
  h.observe(0.5);
  h.observe(7);
  const std::string text = r.render();
  EXPECT_NE(text.find("pj_latency_seconds_bucket{le=\"0.10000000000000001\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("pj_latency_seconds_bucket{le=\"1\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("pj_latency_seconds_bucket{le=\"+Inf\"} 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("pj_latency_seconds_count 4\n"), std::string::npos) << text;
  EXPECT_DOUBLE_EQ(h.sum(), 7.65);
}

TEST(RegistryTest, CountsAreExactUnderConcurrency) {
  Registry r;
  Counter& c = r.counter("pj_c_total", "c");
  Histogram& h = r.histogram("pj_h", "h", latency_buckets());
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) {
        c.inc();
        h.observe(0.001);
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), 160000u);
  EXPECT_EQ(h.count(), 160000u);
  EXPECT_NEAR(h.sum(), 160.0, 1e-6);
}

TEST(RegistryTest, LabelValuesAreEscapedAndEveryLineParses) {
  Registry r;
  r.counter("pj_odd_total", "Help with \\ and\nnewline.", {"v"}, {"a\"b\\c\nd"}).inc();
  r.gauge_callback("pj_events", "Events by status.", {"status"}, [] {
    return std::vector<Registry::Sample>{{{"QUEUED"}, 3}, {{"DELIVERED"}, 1e6}};
  });
  const std::string text = r.render();
  EXPECT_NE(text.find(R"(pj_odd_total{v="a\"b\\c\nd"} 1)"), std::string::npos) << text;
  EXPECT_NE(text.find("# HELP pj_odd_total Help with \\\\ and\\nnewline.\n"), std::string::npos);
  EXPECT_NE(text.find("pj_events{status=\"DELIVERED\"} 1000000\n"), std::string::npos) << text;
  const std::regex sample(
      R"re([a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*",?)*\})? [-+0-9.eEInfa]+)re");
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) continue;
    EXPECT_TRUE(std::regex_match(line, sample)) << line;
  }
}

TEST(RegistryTest, AMisshapenFamilyIsAProgrammingError) {
  Registry r;
  r.counter("pj_x_total", "x", {"a"}, {"1"});
  EXPECT_THROW(r.counter("pj_x_total", "x", {"b"}, {"1"}), std::invalid_argument);
  EXPECT_THROW(r.gauge("pj_x_total", "x", {"a"}, {"1"}), std::invalid_argument);
  EXPECT_THROW(r.counter("pj_y_total", "y", {"a"}, {}), std::invalid_argument);
  EXPECT_THROW(r.counter("9bad", "bad"), std::invalid_argument);
  EXPECT_THROW(r.counter("pj_z_total", "z", {"le"}, {"1"}), std::invalid_argument);
}

}  // namespace
}  // namespace promptjang::metrics
