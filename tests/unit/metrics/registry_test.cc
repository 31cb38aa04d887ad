// The metrics registry: children are found again, counts are exact under
// concurrency, histograms are cumulative, and the text is Prometheus's format
// (every line a comment or `name{labels} value`, label values escaped).
#include "metrics/registry.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>
#include <thread>

namespace promptjang::metrics {
namespace {

bool name_char(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
         (!first && c >= '0' && c <= '9');
}

// `name{label="value",...} number`, as the text format writes a sample: label
// values with only \\, \" and \n escaped.
bool is_sample_line(const std::string& line) {
  size_t i = 0;
  while (i < line.size() && name_char(line[i], i == 0)) ++i;
  if (i == 0) return false;
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      size_t start = i;
      while (i < line.size() && name_char(line[i], i == start)) ++i;
      if (i == start || line.compare(i, 2, "=\"") != 0) return false;
      i += 2;
      while (i < line.size() && line[i] != '"') {
        if (line[i] == '\n') return false;
        if (line[i] == '\\') {
          if (i + 1 >= line.size() || std::string("\\\"n").find(line[i + 1]) == std::string::npos)
            return false;
          ++i;
        }
        ++i;
      }
      if (i >= line.size()) return false;
      ++i;  // the closing quote
      if (i < line.size() && line[i] == ',') ++i;
    }
    if (i >= line.size()) return false;
    ++i;  // }
  }
  if (i >= line.size() || line[i] != ' ') return false;
  std::string value = line.substr(i + 1);
  if (value == "+Inf" || value == "-Inf" || value == "NaN") return true;
  char* end = nullptr;
  std::strtod(value.c_str(), &end);
  return !value.empty() && end == value.c_str() + value.size();
}

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
  // The shortest spelling that reads back as the bound ("0.1", as Prometheus'
  // own clients write it, so a query for le="0.1" finds it).
  EXPECT_NE(text.find("pj_latency_seconds_bucket{le=\"0.1\"} 2\n"), std::string::npos) << text;
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
  EXPECT_FALSE(is_sample_line("pj_x{v=\"a\"b\"} 1"));  // the checker itself: an unescaped quote
  EXPECT_FALSE(is_sample_line("pj_x 1 2"));
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) continue;
    EXPECT_TRUE(is_sample_line(line)) << line;
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
