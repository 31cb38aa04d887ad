// A strict parser and validator of Prometheus's text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/), for tests
// that scrape /metrics. It returns the families (name, type, help and their
// samples with label maps and values) or the first error, naming its line
// number, what is wrong, and the line's text.
//
// What it checks, beyond the grammar (every line a `# HELP`, `# TYPE`, other
// comment, blank line or sample; valid metric and label names; label values
// quoted with only \\, \" and \n escaped; values floats or +Inf, -Inf, NaN;
// an optional integer timestamp; the text ends with a newline):
// - every sample's family has a TYPE line before its first sample; at most one
//   TYPE and one HELP per family; a family's lines are together;
// - no series (name and label set) appears twice;
// - counters are >= 0;
// - histograms: per label set, _bucket series with an `le` label in ascending
//   order, cumulative counts that never decrease, a le="+Inf" bucket equal to
//   _count, and a _sum; summaries: `quantile` in [0, 1] ascending, _sum, _count.
// Stricter than the format where it is loose: a sample with no TYPE line is
// an error (not "untyped"), as are `{}`, label names beginning with "__", and
// a family named like another's _bucket, _sum or _count.
//
// Threads: parse() is a pure function; the results are plain values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace promptjang::testing::prometheus {

using LabelSet = std::map<std::string, std::string>;  // name -> unescaped value

struct Sample {
  std::string name;  // the family's name, or it with _bucket, _sum or _count
  LabelSet labels;
  double value = 0;
  std::optional<int64_t> timestamp_ms;
  size_t line = 0;  // 1-based
};

struct Family {
  std::string name;
  std::string type;             // counter, gauge, histogram, summary or untyped
  std::string help;             // unescaped; empty without a HELP line
  std::vector<Sample> samples;  // in the text's order
};

struct Exposition {
  std::vector<Family> families;  // in the text's order

  const Family* family(std::string_view name) const;
  // The value of the series `name` with exactly `labels`, or nullopt.
  std::optional<double> value(std::string_view name, const LabelSet& labels = {}) const;
};

struct ParseError {
  size_t line = 0;              // 1-based
  std::string what;             // what is wrong
  std::string text;             // the offending line as it was
  std::string message() const;  // "line N: what\n  <text>"
};

struct ParseResult {
  std::optional<Exposition> exposition;  // set when the text is valid
  ParseError error;                      // otherwise
  bool ok() const { return exposition.has_value(); }
};

ParseResult parse(std::string_view text);

// `name{a="x",b="y"}` with the labels sorted and escaped: a series' identity.
std::string series_key(const Sample& s);

// Every series that may only grow (counters; histograms' _bucket and _count;
// summaries' _count) by series_key, with its value.
std::map<std::string, double> monotonic_series(const Exposition& e);

}  // namespace promptjang::testing::prometheus
