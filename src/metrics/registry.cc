// The metrics registry and its text rendering; see registry.h.
#include "metrics/registry.h"

#include <bit>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace promptjang::metrics {
namespace {

bool valid_name(const std::string& s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  // The shortest of %.15g..%.17g that reads back as v ("0.0025", not
  // "0.0025000000000000001").
  char buf[32];
  for (int digits = 15; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

// Backslashes and newlines escaped, and double quotes too when `quotes`
// (label values; HELP text keeps its quotes).
std::string escape(const std::string& v, bool quotes) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && quotes)
      out += "\\\"";
    else
      out += c;
  }
  return out;
}

// {a="x",b="y"} (with `extra` appended, e.g. le="0.5"); "" when empty.
std::string label_text(const std::vector<std::string>& names, const Labels& values,
                       const std::string& extra = "") {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    out += out.empty() ? "{" : ",";
    out += names[i] + "=\"" + escape_label_value(i < values.size() ? values[i] : "") + "\"";
  }
  if (!extra.empty()) out += (out.empty() ? "{" : ",") + extra;
  if (!out.empty()) out += "}";
  return out;
}

}  // namespace

std::string escape_label_value(const std::string& v) { return escape(v, true); }

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  uint64_t old_bits = sum_bits_.load(std::memory_order_relaxed);
  for (;;) {
    uint64_t new_bits = std::bit_cast<uint64_t>(std::bit_cast<double>(old_bits) + v);
    if (sum_bits_.compare_exchange_weak(old_bits, new_bits, std::memory_order_relaxed)) break;
  }
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::cumulative() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    out[i] = running;
  }
  return out;
}

double Histogram::sum() const {
  return std::bit_cast<double>(sum_bits_.load(std::memory_order_relaxed));
}

std::vector<double> latency_buckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

Registry::Family& Registry::family(const std::string& name, const std::string& help, Kind kind,
                                   const std::vector<std::string>& label_names,
                                   const Labels& values) {
  if (values.size() != label_names.size())
    throw std::invalid_argument("metric " + name + ": label values do not match label names");
  for (auto& f : families_) {
    if (f->name != name) continue;
    if (f->kind != kind || f->label_names != label_names)
      throw std::invalid_argument("metric " + name + " already exists with another shape");
    return *f;
  }
  if (!valid_name(name)) throw std::invalid_argument("bad metric name: " + name);
  for (const auto& l : label_names)
    if (!valid_name(l) || l.starts_with("__") || l == "le")
      throw std::invalid_argument("bad label name for " + name + ": " + l);
  auto f = std::make_unique<Family>();
  f->name = name;
  f->help = help;
  f->kind = kind;
  f->label_names = label_names;
  families_.push_back(std::move(f));
  return *families_.back();
}

Counter& Registry::counter(const std::string& name, const std::string& help,
                           const std::vector<std::string>& label_names, const Labels& values) {
  std::lock_guard lock(mu_);
  auto& f = family(name, help, Kind::kCounter, label_names, values);
  auto& slot = f.counters[values];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& Registry::gauge(const std::string& name, const std::string& help,
                       const std::vector<std::string>& label_names, const Labels& values) {
  std::lock_guard lock(mu_);
  auto& f = family(name, help, Kind::kGauge, label_names, values);
  auto& slot = f.gauges[values];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& Registry::histogram(const std::string& name, const std::string& help,
                               const std::vector<double>& bounds,
                               const std::vector<std::string>& label_names, const Labels& values) {
  std::lock_guard lock(mu_);
  auto& f = family(name, help, Kind::kHistogram, label_names, values);
  if (f.bounds.empty()) f.bounds = bounds;
  auto& slot = f.histograms[values];
  if (!slot) slot = std::make_unique<Histogram>(f.bounds);
  return *slot;
}

void Registry::gauge_callback(const std::string& name, const std::string& help,
                              std::vector<std::string> label_names,
                              std::function<std::vector<Sample>()> read) {
  std::lock_guard lock(mu_);
  auto& f = family(name, help, Kind::kCallback, label_names, Labels(label_names.size()));
  f.read = std::move(read);
}

std::string Registry::render() const {
  // Callbacks run outside the lock (they may query the store): copy them first.
  std::vector<std::pair<const Family*, std::function<std::vector<Sample>()>>> reads;
  {
    std::lock_guard lock(mu_);
    for (const auto& f : families_)
      if (f->kind == Kind::kCallback) reads.emplace_back(f.get(), f->read);
  }
  std::map<const Family*, std::vector<Sample>> sampled;
  for (auto& [f, read] : reads) sampled[f] = read ? read() : std::vector<Sample>{};

  std::string out;
  std::lock_guard lock(mu_);
  for (const auto& f : families_) {
    static constexpr const char* kTypes[] = {"counter", "gauge", "histogram", "gauge"};
    out += "# HELP " + f->name + " " + escape(f->help, false) + "\n";
    out += "# TYPE " + f->name + " " + kTypes[static_cast<int>(f->kind)] + "\n";
    switch (f->kind) {
      case Kind::kCounter:
        for (const auto& [values, c] : f->counters)
          out += f->name + label_text(f->label_names, values) + " " + std::to_string(c->value()) +
                 "\n";
        break;
      case Kind::kGauge:
        for (const auto& [values, g] : f->gauges)
          out += f->name + label_text(f->label_names, values) + " " + std::to_string(g->value()) +
                 "\n";
        break;
      case Kind::kHistogram:
        for (const auto& [values, h] : f->histograms) {
          auto cum = h->cumulative();
          for (size_t i = 0; i <= h->bounds().size(); ++i) {
            std::string le = i < h->bounds().size() ? number(h->bounds()[i]) : "+Inf";
            out += f->name + "_bucket" + label_text(f->label_names, values, "le=\"" + le + "\"") +
                   " " + std::to_string(cum[i]) + "\n";
          }
          out +=
              f->name + "_sum" + label_text(f->label_names, values) + " " + number(h->sum()) + "\n";
          out += f->name + "_count" + label_text(f->label_names, values) + " " +
                 std::to_string(cum.back()) + "\n";
        }
        break;
      case Kind::kCallback:
        for (const auto& [values, v] : sampled[f.get()])
          out += f->name + label_text(f->label_names, values) + " " + number(v) + "\n";
        break;
    }
  }
  return out;
}

}  // namespace promptjang::metrics
