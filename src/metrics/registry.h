// Metrics in the Prometheus text exposition format (version 0.0.4), for
// GET /metrics: counters, gauges and histograms, each a family with fixed label
// names and one child per combination of label values.
//
// Hot paths hold a child (Counter&, Histogram&) looked up once and then only
// touch atomics: incrementing takes no lock. Looking a child up takes its
// family's mutex; children are never removed, so a reference stays valid for
// the registry's life. Gauges whose value lives elsewhere (events by status,
// open connections) are callbacks, read at scrape time.
//
// Threads: every method may be called from any thread. Invariant: names and
// label names are valid Prometheus identifiers (checked when a family is made;
// a bad one is a programming error and throws std::invalid_argument).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace promptjang::metrics {

using Labels = std::vector<std::string>;  // values, in the family's label order

class Counter {
 public:
  void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void add(int64_t d) { value_.fetch_add(d, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// Observations counted into fixed buckets (upper bounds, ascending; +Inf is
// implied), with their sum and count.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  // Cumulative counts per bound, then +Inf (= count).
  std::vector<uint64_t> cumulative() const;
  double sum() const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // per bound, then +Inf
  std::atomic<uint64_t> sum_bits_{0};                 // a double's bits, added by CAS
  std::atomic<uint64_t> count_{0};
};

// Bucket bounds in seconds from 1 ms to 60 s, for latencies.
std::vector<double> latency_buckets();

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // The child of family `name` for `values` (created on first use; the
  // family's help and label names come from its first call).
  Counter& counter(const std::string& name, const std::string& help,
                   const std::vector<std::string>& label_names = {}, const Labels& values = {});
  Gauge& gauge(const std::string& name, const std::string& help,
               const std::vector<std::string>& label_names = {}, const Labels& values = {});
  Histogram& histogram(const std::string& name, const std::string& help,
                       const std::vector<double>& bounds,
                       const std::vector<std::string>& label_names = {}, const Labels& values = {});
  // A gauge family read at scrape time: `read` returns each child's label
  // values and value (it runs on the scraping thread, without the registry's
  // lock held).
  using Sample = std::pair<Labels, double>;
  void gauge_callback(const std::string& name, const std::string& help,
                      std::vector<std::string> label_names,
                      std::function<std::vector<Sample>()> read);

  // Every family, in the order they were made, in the text format.
  std::string render() const;

 private:
  enum class Kind { kCounter, kGauge, kHistogram, kCallback };
  struct Family {
    std::string name, help;
    Kind kind;
    std::vector<std::string> label_names;
    std::vector<double> bounds;  // histograms
    std::map<Labels, std::unique_ptr<Counter>> counters;
    std::map<Labels, std::unique_ptr<Gauge>> gauges;
    std::map<Labels, std::unique_ptr<Histogram>> histograms;
    std::function<std::vector<Sample>()> read;
  };
  Family& family(const std::string& name, const std::string& help, Kind kind,
                 const std::vector<std::string>& label_names, const Labels& values);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Family>> families_;  // in creation order
};

// "a\"b" -> a\"b with \\, \" and \n escaped, as label values need.
std::string escape_label_value(const std::string& v);

}  // namespace promptjang::metrics
