// Query strings: "a=1&b=x%20y" -> ordered, percent-decoded pairs. Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace promptjang {

class Query {
 public:
  // InvalidArgument on a broken percent escape.
  static Result<Query> parse(std::string_view raw);
  std::optional<std::string> get(std::string_view name) const;

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
};

// A page size from `?limit=` (`text`, absent: `fallback`): digits only (no
// sign, space, fraction or exponent) and from 1 to `max`; anything else is
// InvalidArgument ("limit must be 1 to <max>"), never clamped.
Result<int> parse_limit(const std::optional<std::string>& text, int fallback, int max);

// "%41+b" -> "A b"; nullopt on a broken escape.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space);

}  // namespace promptjang
