// How times become the keys that every Store back end stores and searches by:
// the usage month of an event (and, in core/ids.h, min_id_at: the bound of
// event ids made before a time).
// Back-end independent (SQLite and PostgreSQL compute them the same way).
// Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/ids.h"  // min_id_at

namespace promptjang {

// The UTC month of `t` as "YYYY-MM": the usage month an event created at `t` counts in.
inline std::string usage_month(TimePoint t) {
  const std::chrono::year_month_day ymd{std::chrono::floor<std::chrono::days>(t)};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()));
  return buf;
}

// True when `month` is "YYYY-MM" with a month 01..12.
inline bool is_usage_month(std::string_view month) {
  if (month.size() != 7 || month[4] != '-') return false;
  for (size_t i : {0u, 1u, 2u, 3u, 5u, 6u})
    if (month[i] < '0' || month[i] > '9') return false;
  const int m = (month[5] - '0') * 10 + (month[6] - '0');
  return m >= 1 && m <= 12;
}

}  // namespace promptjang
