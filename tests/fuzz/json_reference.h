// A reference JSON validator for the fuzz targets: RFC 8259's grammar read
// literally (no comments, no trailing commas, no leading zeros, no NaN), UTF-8
// checked strictly (no overlong forms, no encoded surrogates, nothing past
// U+10FFFF), with the limits Boost.JSON sets and RFC 8259 allows: \u escapes
// must form valid UTF-16 (§8.2 leaves a lone surrogate's meaning open),
// exponents within kMaxExponent (§9), at most kMaxDepth nested arrays and
// objects (docs/api.md). Written apart from Boost.JSON so the two can be
// compared. Pure; thread-safe.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace promptjang::fuzz {

inline constexpr int kMaxDepth = 32;
// Boost.JSON refuses an exponent beyond this ("1e2147483648"); RFC 8259 §9 lets
// an implementation limit the range of numbers.
inline constexpr uint64_t kMaxExponent = 2147483647;

class JsonReference {
 public:
  // `max_depth`: kMaxDepth for what clients send; more for answers that embed it.
  static bool valid(std::string_view text, int max_depth = kMaxDepth) {
    JsonReference r(text, max_depth);
    r.ws();
    if (!r.value(0)) return false;
    r.ws();
    return r.i_ == text.size();
  }

 private:
  JsonReference(std::string_view s, int max_depth) : s_(s), max_depth_(max_depth) {}

  bool at_end() const { return i_ >= s_.size(); }
  unsigned char peek() const { return at_end() ? 0 : static_cast<unsigned char>(s_[i_]); }
  bool eat(char c) {
    if (at_end() || s_[i_] != c) return false;
    ++i_;
    return true;
  }
  bool word(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }
  void ws() {
    while (!at_end() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  static bool digit(unsigned char c) { return c >= '0' && c <= '9'; }
  static bool hex(unsigned char c) {
    return digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  bool hex4(unsigned& u) {
    u = 0;
    for (int k = 0; k < 4; ++k, ++i_) {
      const unsigned char c = peek();
      if (!hex(c)) return false;
      u = u * 16 + (digit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return true;
  }

  bool value(int depth) {
    switch (peek()) {
      case '{':
        return object(depth + 1);
      case '[':
        return array(depth + 1);
      case '"':
        return string();
      case 't':
        return word("true");
      case 'f':
        return word("false");
      case 'n':
        return word("null");
      default:
        return number();
    }
  }
  bool object(int depth) {
    if (depth > max_depth_) return false;
    ++i_;
    ws();
    if (eat('}')) return true;
    for (;;) {
      ws();
      if (peek() != '"' || !string()) return false;
      ws();
      if (!eat(':')) return false;
      ws();
      if (!value(depth)) return false;
      ws();
      if (eat('}')) return true;
      if (!eat(',')) return false;
    }
  }
  bool array(int depth) {
    if (depth > max_depth_) return false;
    ++i_;
    ws();
    if (eat(']')) return true;
    for (;;) {
      ws();
      if (!value(depth)) return false;
      ws();
      if (eat(']')) return true;
      if (!eat(',')) return false;
    }
  }
  bool number() {
    eat('-');
    if (eat('0')) {
    } else if (digit(peek()) && peek() != '0') {
      while (digit(peek())) ++i_;
    } else {
      return false;
    }
    if (eat('.')) {
      if (!digit(peek())) return false;
      while (digit(peek())) ++i_;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++i_;
      if (peek() == '+' || peek() == '-') ++i_;
      if (!digit(peek())) return false;
      uint64_t exponent = 0;
      while (digit(peek())) {
        exponent = std::min<uint64_t>(exponent * 10 + (peek() - '0'), uint64_t(1) << 40);
        ++i_;
      }
      if (exponent > kMaxExponent) return false;
    }
    return true;
  }
  bool string() {
    ++i_;  // the opening quote
    for (;;) {
      if (at_end()) return false;
      const unsigned char c = peek();
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c < 0x20) return false;
      if (c == '\\') {
        ++i_;
        const unsigned char e = peek();
        if (e == 'u') {
          ++i_;
          unsigned u = 0;
          if (!hex4(u)) return false;
          if (u >= 0xdc00 && u <= 0xdfff) return false;  // a low surrogate alone
          if (u >= 0xd800 && u <= 0xdbff) {              // must pair with a low one
            if (!word("\\u") || !hex4(u) || u < 0xdc00 || u > 0xdfff) return false;
          }
        } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' ||
                   e == 'r' || e == 't') {
          ++i_;
        } else {
          return false;
        }
        continue;
      }
      if (c < 0x80) {
        ++i_;
        continue;
      }
      if (!utf8()) return false;
    }
  }
  bool utf8() {
    const unsigned char c = peek();
    int n;
    unsigned cp;
    if ((c & 0xe0) == 0xc0) {
      n = 1, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (i_ + n >= s_.size()) return false;
    for (int k = 1; k <= n; ++k) {
      const auto d = static_cast<unsigned char>(s_[i_ + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    static constexpr unsigned kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i_ += n + 1;
    return true;
  }

  std::string_view s_;
  int max_depth_;
  size_t i_ = 0;
};

}  // namespace promptjang::fuzz
