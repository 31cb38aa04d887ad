// The Prometheus text format 0.0.4 parser and validator; see prometheus_text.h.
// One pass over the lines; an error is thrown as a Failure (line and what)
// and turned into the ParseError that parse() returns.
#include "support/prometheus_text.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <system_error>

#include "core/utf8.h"

namespace promptjang::testing::prometheus {
namespace {

struct Failure {
  size_t line;
  std::string what;
};

constexpr std::string_view kSuffixes[] = {"_bucket", "_sum", "_count"};

bool is_blank(char c) { return c == ' ' || c == '\t'; }

bool metric_name_char(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
         (!first && c >= '0' && c <= '9');
}

bool label_name_char(char c, bool first) { return c != ':' && metric_name_char(c, first); }

bool valid_metric_name(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i)
    if (!metric_name_char(s[i], i == 0)) return false;
  return true;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

size_t digits(std::string_view s, size_t& i) {
  size_t start = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  return i - start;
}

// A decimal float ([+-]digits[.digits][e[+-]digits]), +Inf, -Inf or NaN.
std::optional<double> parse_float(std::string_view s) {
  if (s == "+Inf") return std::numeric_limits<double>::infinity();
  if (s == "-Inf") return -std::numeric_limits<double>::infinity();
  if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t mantissa = digits(s, i);
  if (i < s.size() && s[i] == '.') {
    ++i;
    mantissa += digits(s, i);
  }
  if (mantissa == 0) return std::nullopt;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (digits(s, i) == 0) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  std::string_view body = s.front() == '+' ? s.substr(1) : s;
  double v = 0;
  auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), v);
  if (ec != std::errc() || end != body.data() + body.size()) return std::nullopt;
  return v;
}

std::optional<int64_t> parse_int64(std::string_view s) {
  size_t i = s.starts_with('-') ? 1 : 0;
  if (digits(s, i) == 0 || i != s.size()) return std::nullopt;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string show(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

bool is_count(double v) { return std::isfinite(v) && v >= 0 && v == std::floor(v); }

std::string escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

class Parser {
 public:
  explicit Parser(const std::vector<std::string_view>& lines) : lines_(lines) {}

  Exposition run(bool ends_with_newline) {
    for (size_t i = 0; i < lines_.size(); ++i) {
      line_ = i + 1;
      parse_line(lines_[i]);
    }
    if (!ends_with_newline) fail("the text does not end with a newline");
    close_current();
    return std::move(out_);
  }

 private:
  // Per label set (without le or quantile) of the current histogram or summary.
  struct Group {
    size_t first_line = 0;
    size_t buckets = 0;  // _bucket or quantile samples
    double last_bound = 0, last_bucket = 0;
    std::optional<double> inf_bucket, count;
    bool has_sum = false;
  };
  struct FamilyState {
    size_t index = 0;  // in out_.families
    size_t first_line = 0;
    bool has_type = false, has_help = false;
  };

  [[noreturn]] void fail(std::string what) const { throw Failure{line_, std::move(what)}; }
  [[noreturn]] static void fail_at(size_t line, std::string what) {
    throw Failure{line, std::move(what)};
  }

  static void skip_blanks(std::string_view l, size_t& i) {
    while (i < l.size() && is_blank(l[i])) ++i;
  }
  static std::string_view token(std::string_view l, size_t& i) {
    size_t start = i;
    while (i < l.size() && !is_blank(l[i])) ++i;
    return l.substr(start, i - start);
  }

  void parse_line(std::string_view l) {
    if (l.find('\r') != std::string_view::npos)
      fail("a carriage return in the line (lines end with \\n alone)");
    size_t i = 0;
    skip_blanks(l, i);
    if (i == l.size()) return;  // a blank line: ignored, as the format says
    if (l[i] == '#') return comment(l, i + 1);
    sample(l, i);
  }

  void comment(std::string_view l, size_t i) {
    skip_blanks(l, i);
    const std::string keyword(token(l, i));
    if (keyword != "HELP" && keyword != "TYPE") return;  // any other comment
    skip_blanks(l, i);
    const std::string name(token(l, i));
    if (name.empty()) fail(keyword + " line without a metric name");
    if (!valid_metric_name(name))
      fail("invalid metric name '" + name + "' in a " + keyword + " line");
    skip_blanks(l, i);
    std::string_view rest = l.substr(i);
    Family& f = enter(name);
    FamilyState& st = families_[name];
    if (keyword == "HELP") {
      if (st.has_help) fail("second HELP line for " + name);
      f.help = unescape_help(rest);
      st.has_help = true;
      return;
    }
    if (st.has_type) fail("second TYPE line for " + name);
    while (!rest.empty() && is_blank(rest.back())) rest.remove_suffix(1);
    const std::string type(rest);
    if (type.empty()) fail("TYPE line for " + name + " without a type");
    if (type != "counter" && type != "gauge" && type != "histogram" && type != "summary" &&
        type != "untyped")
      fail("unknown metric type '" + type + "' for " + name);
    check_clash(name, type);
    st.has_type = true;
    f.type = type;
  }

  // x_count beside a histogram or summary x (or x_bucket beside a histogram x)
  // would be two families' samples under one name.
  void check_clash(const std::string& name, const std::string& type) const {
    for (std::string_view sfx : kSuffixes) {
      if (ends_with(name, sfx)) {
        std::string base = name.substr(0, name.size() - sfx.size());
        auto it = families_.find(base);
        if (it != families_.end() && it->second.has_type) {
          const std::string& t = out_.families[it->second.index].type;
          if (t == "histogram" || (t == "summary" && sfx != "_bucket"))
            fail("family " + name + " clashes with the series of " + t + " " + base);
        }
      }
      if (type == "histogram" || (type == "summary" && sfx != "_bucket")) {
        std::string derived = name + std::string(sfx);
        if (families_.contains(derived))
          fail(type + " " + name + " clashes with the family " + derived);
      }
    }
  }

  std::string unescape_help(std::string_view s) const {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '\\') {
        out += s[i];
        continue;
      }
      if (i + 1 == s.size()) fail("a lone backslash at the end of a HELP text");
      char d = s[++i];
      if (d == '\\')
        out += '\\';
      else if (d == 'n')
        out += '\n';
      else
        fail(std::string("invalid escape sequence '\\") + d +
             "' in a HELP text (only \\\\ and \\n)");
    }
    if (!is_valid_utf8(out)) fail("HELP text is not valid UTF-8");
    return out;
  }

  // Makes `name` the current family: new, or the current one already (a
  // family's lines are together).
  Family& enter(const std::string& name) {
    auto it = families_.find(name);
    if (it != families_.end()) {
      if (name != current_)
        fail("the lines of " + name + " are not together (it began on line " +
             std::to_string(it->second.first_line) + ", other families' lines came since)");
      return out_.families[it->second.index];
    }
    close_current();
    FamilyState st;
    st.index = out_.families.size();
    st.first_line = line_;
    families_[name] = st;
    out_.families.push_back(Family{name, "", "", {}});
    current_ = name;
    return out_.families.back();
  }

  void sample(std::string_view l, size_t i) {
    size_t start = i;
    while (i < l.size() && metric_name_char(l[i], i == start)) ++i;
    const std::string name(l.substr(start, i - start));
    if (name.empty())
      fail(std::string("not a sample, HELP, TYPE or comment line ('") + l[i] +
           "' cannot begin a metric name)");
    if (i < l.size() && !is_blank(l[i]) && l[i] != '{')
      fail(std::string("invalid character '") + l[i] + "' in the metric name " + name + "...");
    skip_blanks(l, i);
    LabelSet labels;
    if (i < l.size() && l[i] == '{') labels = label_set(l, ++i);
    skip_blanks(l, i);
    const std::string value_text(token(l, i));
    if (value_text.empty()) fail("sample of " + name + " without a value");
    auto value = parse_float(value_text);
    if (!value) fail("invalid value '" + value_text + "' (a float, +Inf, -Inf or NaN)");
    skip_blanks(l, i);
    std::optional<int64_t> timestamp;
    if (i < l.size()) {
      const std::string ts(token(l, i));
      timestamp = parse_int64(ts);
      if (!timestamp) fail("invalid timestamp '" + ts + "' (milliseconds, an integer)");
      skip_blanks(l, i);
      if (i < l.size())
        fail("unexpected text after the timestamp: '" + std::string(l.substr(i)) + "'");
    }
    add(Sample{name, std::move(labels), *value, timestamp, line_});
  }

  // After the '{': label="value" pairs separated by commas (one trailing comma
  // allowed), through the '}'.
  LabelSet label_set(std::string_view l, size_t& i) const {
    LabelSet labels;
    for (;;) {
      skip_blanks(l, i);
      if (i >= l.size()) fail("unterminated label set (no '}')");
      if (l[i] == '}') {
        if (labels.empty()) fail("empty label set {}");
        ++i;
        return labels;
      }
      size_t start = i;
      while (i < l.size() && label_name_char(l[i], i == start)) ++i;
      const std::string name(l.substr(start, i - start));
      if (name.empty()) fail(std::string("invalid label name beginning with '") + l[start] + "'");
      if (name.starts_with("__"))
        fail("reserved label name '" + name + "' (names beginning with __ are Prometheus's)");
      skip_blanks(l, i);
      if (i >= l.size() || l[i] != '=') fail("expected '=' after the label name '" + name + "'");
      ++i;
      skip_blanks(l, i);
      if (i >= l.size() || l[i] != '"') fail("the value of label '" + name + "' is not quoted");
      ++i;
      std::string value;
      bool closed = false;
      while (i < l.size()) {
        char c = l[i];
        if (c == '"') {
          closed = true;
          ++i;
          break;
        }
        if (c == '\\') {
          if (i + 1 >= l.size()) break;
          char d = l[i + 1];
          if (d == '\\')
            value += '\\';
          else if (d == '"')
            value += '"';
          else if (d == 'n')
            value += '\n';
          else
            fail(std::string("invalid escape sequence '\\") + d + "' in the value of label '" +
                 name + "' (only \\\\, \\\" and \\n)");
          i += 2;
          continue;
        }
        value += c;
        ++i;
      }
      if (!closed) fail("unterminated value of label '" + name + "'");
      if (!is_valid_utf8(value)) fail("the value of label '" + name + "' is not valid UTF-8");
      if (labels.contains(name)) fail("label '" + name + "' appears twice");
      labels[name] = std::move(value);
      skip_blanks(l, i);
      if (i >= l.size()) fail("unterminated label set (no '}')");
      if (l[i] == ',') {
        ++i;
        continue;
      }
      if (l[i] == '}') {
        ++i;
        return labels;
      }
      fail("expected ',' or '}' after the value of label '" + name + "'");
    }
  }

  // The family a sample belongs to and the suffix its name adds ("" or
  // _bucket, _sum, _count).
  std::pair<std::string, std::string> family_of(const std::string& name) const {
    auto it = families_.find(name);
    if (it != families_.end()) {
      if (!it->second.has_type) fail("sample of " + name + " without a TYPE line before it");
      return {name, ""};
    }
    for (std::string_view sfx : kSuffixes) {
      if (!ends_with(name, sfx)) continue;
      std::string base = name.substr(0, name.size() - sfx.size());
      auto b = families_.find(base);
      if (b == families_.end() || !b->second.has_type) continue;
      const std::string& t = out_.families[b->second.index].type;
      if (t == "histogram" || (t == "summary" && sfx != "_bucket")) return {base, std::string(sfx)};
    }
    fail("sample of " + name + " without a TYPE line before it (no family declares it)");
  }

  void add(Sample s) {
    auto [family_name, suffix] = family_of(s.name);
    Family& f = enter(family_name);
    const std::string key = series_key(s);
    auto [seen, fresh] = series_.emplace(key, line_);
    if (!fresh)
      fail("duplicate series " + key + " (first on line " + std::to_string(seen->second) + ")");
    if (f.type == "counter") {
      if (std::isnan(s.value)) fail("counter " + key + " is NaN");
      if (s.value < 0) fail("counter " + key + " is negative");
    } else if (f.type == "histogram") {
      histogram_sample(f, suffix, s);
    } else if (f.type == "summary") {
      summary_sample(f, suffix, s);
    }
    f.samples.push_back(std::move(s));
  }

  Group& group(const Family& f, LabelSet labels, const char* without) {
    labels.erase(without);
    Group& g = groups_[series_key(Sample{f.name, std::move(labels), 0, {}, 0})];
    if (g.first_line == 0) g.first_line = line_;
    return g;
  }

  // A histogram's or summary's _sum or _count sample (`per` is the label its
  // other samples carry: le, quantile), which must not carry it.
  void sum_or_count(const Family& f, const std::string& suffix, const Sample& s, const char* per) {
    if (s.labels.contains(per))
      fail(s.name + " with a" + (per[0] == 'l' ? "n " : " ") + per + " label");
    Group& g = group(f, s.labels, per);
    if (suffix == "_sum") {
      g.has_sum = true;
      return;
    }
    if (!is_count(s.value)) fail(s.name + " " + show(s.value) + " is not a count");
    g.count = s.value;
  }

  void histogram_sample(const Family& f, const std::string& suffix, const Sample& s) {
    if (suffix.empty())
      fail("sample " + s.name + " of histogram " + f.name + " is not a _bucket, _sum or _count");
    if (suffix != "_bucket") return sum_or_count(f, suffix, s, "le");
    auto le_it = s.labels.find("le");
    if (le_it == s.labels.end()) fail("histogram bucket " + s.name + " without an le label");
    auto le = parse_float(le_it->second);
    if (!le || std::isnan(*le)) fail("invalid le=\"" + le_it->second + "\"");
    if (!is_count(s.value)) fail("bucket count " + show(s.value) + " is not a count");
    Group& g = group(f, s.labels, "le");
    if (g.buckets > 0 && !(*le > g.last_bound))
      fail("le=\"" + le_it->second + "\" after le=\"" + show(g.last_bound) +
           "\" (buckets go in ascending order)");
    if (g.buckets > 0 && s.value < g.last_bucket)
      fail("bucket count " + show(s.value) + " is below the previous bucket's " +
           show(g.last_bucket) + " (cumulative counts never decrease)");
    ++g.buckets;
    g.last_bound = *le;
    g.last_bucket = s.value;
    if (std::isinf(*le) && *le > 0) g.inf_bucket = s.value;
  }

  void summary_sample(const Family& f, const std::string& suffix, const Sample& s) {
    if (!suffix.empty()) return sum_or_count(f, suffix, s, "quantile");
    auto q_it = s.labels.find("quantile");
    if (q_it == s.labels.end()) fail("summary sample " + s.name + " without a quantile label");
    auto q = parse_float(q_it->second);
    if (!q || !(*q >= 0 && *q <= 1)) fail("invalid quantile=\"" + q_it->second + "\"");
    Group& g = group(f, s.labels, "quantile");
    if (g.buckets > 0 && !(*q > g.last_bound))
      fail("quantile=\"" + q_it->second + "\" after quantile=\"" + show(g.last_bound) +
           "\" (quantiles go in ascending order)");
    ++g.buckets;
    g.last_bound = *q;
  }

  // The end of the current family's lines: every histogram or summary series complete.
  void close_current() {
    if (current_.empty()) return;
    const Family& f = out_.families[families_[current_].index];
    for (const auto& [key, g] : groups_) {
      const size_t at = g.first_line;
      if (f.type == "histogram") {
        if (g.buckets == 0) fail_at(at, "histogram " + key + " has no _bucket series");
        if (!g.inf_bucket) fail_at(at, "histogram " + key + " has no le=\"+Inf\" bucket");
        if (!g.count) fail_at(at, "histogram " + key + " has no _count");
        if (*g.count != *g.inf_bucket)
          fail_at(at, "histogram " + key + ": its le=\"+Inf\" bucket (" + show(*g.inf_bucket) +
                          ") differs from its _count (" + show(*g.count) + ")");
      } else if (!g.count) {
        fail_at(at, "summary " + key + " has no _count");
      }
      if (!g.has_sum) fail_at(at, f.type + " " + key + " has no _sum");
    }
    groups_.clear();
    current_.clear();
  }

  const std::vector<std::string_view>& lines_;
  size_t line_ = 0;  // the line being parsed, 1-based
  Exposition out_;
  std::map<std::string, FamilyState> families_;
  std::string current_;                   // the family whose lines these are
  std::map<std::string, Group> groups_;   // of the current family
  std::map<std::string, size_t> series_;  // series_key -> its line
};

}  // namespace

const Family* Exposition::family(std::string_view name) const {
  for (const auto& f : families)
    if (f.name == name) return &f;
  return nullptr;
}

std::optional<double> Exposition::value(std::string_view name, const LabelSet& labels) const {
  for (const auto& f : families)
    for (const auto& s : f.samples)
      if (s.name == name && s.labels == labels) return s.value;
  return std::nullopt;
}

std::string ParseError::message() const {
  return "line " + std::to_string(line) + ": " + what + "\n  | " + text;
}

ParseResult parse(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  ParseResult r;
  try {
    r.exposition = Parser(lines).run(text.empty() || text.back() == '\n');
  } catch (const Failure& f) {
    r.error.line = f.line;
    r.error.what = f.what;
    if (f.line >= 1 && f.line <= lines.size()) r.error.text = std::string(lines[f.line - 1]);
  }
  return r;
}

std::string series_key(const Sample& s) {
  std::string out = s.name;
  for (const auto& [k, v] : s.labels)
    out += (out.size() == s.name.size() ? "{" : ",") + k + "=\"" + escape(v) + "\"";
  if (!s.labels.empty()) out += "}";
  return out;
}

std::map<std::string, double> monotonic_series(const Exposition& e) {
  std::map<std::string, double> out;
  for (const auto& f : e.families) {
    for (const auto& s : f.samples) {
      bool grows = f.type == "counter" ||
                   (f.type == "histogram" &&
                    (s.name == f.name + "_bucket" || s.name == f.name + "_count")) ||
                   (f.type == "summary" && s.name == f.name + "_count");
      if (grows) out[series_key(s)] = s.value;
    }
  }
  return out;
}

}  // namespace promptjang::testing::prometheus
