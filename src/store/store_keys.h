// How times become the keys that every Store back end stores and searches by:
// the usage month of an event, and the bound of event ids made before a time.
// Back-end independent (SQLite and PostgreSQL compute them the same way).
// Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "core/clock.h"

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

// The smallest possible id with `prefix` made in the millisecond `ms` (core/ids.h:
// its first 10 characters are the 48-bit millisecond, the rest random), so
// that `id < min_id_at(prefix, ms)` holds exactly for the ids made before `ms`.
inline std::string min_id_at(std::string_view prefix, int64_t ms) {
  constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";  // as core/ids.cc
  constexpr int64_t kMaxMs = (int64_t{1} << 48) - 1;
  uint64_t v = static_cast<uint64_t>(ms < 0 ? 0 : (ms > kMaxMs ? kMaxMs : ms));
  char time[10];
  for (int i = 9; i >= 0; --i) {
    time[i] = kAlphabet[v & 31];
    v >>= 5;
  }
  std::string id(prefix);
  id.append(time, sizeof time);
  id.append(16, '0');
  return id;
}

}  // namespace promptjang
