// ULID-style ids; see ids.h.
#include "core/ids.h"

#include <algorithm>

namespace promptjang {
namespace {

constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";

bool is_base32_char(char c) {
  for (const char* p = kAlphabet; *p; ++p)
    if (*p == c) return true;
  return false;
}

}  // namespace

std::string IdGenerator::next(std::string_view prefix) {
  int64_t ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch())
          .count();
  std::array<uint8_t, 16> raw{};
  {
    std::lock_guard lock(mu_);
    if (ms <= last_ms_) {
      // Same (or an earlier: the clock stepped back) millisecond: keep order by
      // incrementing the random part of the last id.
      ms = last_ms_;
      for (int i = 9; i >= 0; --i)
        if (++last_rand_[i] != 0) break;
    } else {
      last_ms_ = ms;
      random_.fill(last_rand_);
    }
    for (int i = 0; i < 6; ++i) raw[i] = static_cast<uint8_t>(ms >> (8 * (5 - i)));
    for (int i = 0; i < 10; ++i) raw[6 + i] = last_rand_[i];
  }
  // 128 bits -> 26 base32 characters (the first carries only 3 bits).
  std::string out(prefix);
  out.reserve(prefix.size() + 26);
  unsigned __int128 v = 0;
  for (uint8_t b : raw) v = (v << 8) | b;
  char buf[26];
  for (int i = 25; i >= 0; --i) {
    buf[i] = kAlphabet[static_cast<unsigned>(v & 31)];
    v >>= 5;
  }
  out.append(buf, 26);
  return out;
}

std::string min_id_at(std::string_view prefix, int64_t unix_ms) {
  constexpr int64_t kMaxMs = (int64_t{1} << 48) - 1;
  uint64_t v = static_cast<uint64_t>(std::clamp<int64_t>(unix_ms, 0, kMaxMs));
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

bool is_well_formed_id(std::string_view id, std::string_view prefix) {
  if (id.size() != prefix.size() + 26 || id.substr(0, prefix.size()) != prefix) return false;
  for (char c : id.substr(prefix.size()))
    if (!is_base32_char(c)) return false;
  return true;
}

}  // namespace promptjang
