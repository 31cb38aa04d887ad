// Time-sortable, prefixed identifiers: evt_, ep_, key_, acct_, usr_, ses_.
//
// An id is a prefix and 26 characters of lowercase Crockford base32 encoding 48
// bits of milliseconds since the epoch followed by 80 random bits (the ULID
// layout). Ids made by one generator sort in the order they were made, even
// within one millisecond (the random part is then incremented), so "newest first"
// and cursors can order by id alone.
// Thread safety: IdGenerator::next may be called from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/random.h"

namespace promptjang {

namespace id_prefix {
inline constexpr std::string_view kEvent = "evt_";
inline constexpr std::string_view kEndpoint = "ep_";
inline constexpr std::string_view kApiKey = "key_";
inline constexpr std::string_view kAccount = "acct_";
inline constexpr std::string_view kUser = "usr_";
inline constexpr std::string_view kAttempt = "att_";
}  // namespace id_prefix

class IdGenerator {
 public:
  IdGenerator(const Clock& clock, Random& random) : clock_(clock), random_(random) {}

  std::string next(std::string_view prefix);

 private:
  const Clock& clock_;
  Random& random_;
  std::mutex mu_;
  int64_t last_ms_ = -1;                 // guarded by mu_
  std::array<uint8_t, 10> last_rand_{};  // guarded by mu_
};

// The smallest possible id with `prefix` made in the millisecond `unix_ms` (its
// first 10 characters are the 48-bit millisecond, the rest random), so that
// `id < min_id_at(prefix, ms)` holds exactly for the ids made before `ms`.
std::string min_id_at(std::string_view prefix, int64_t unix_ms);

// True when `id` is `prefix` followed by 26 valid base32 characters: a cheap
// check that lets a malformed id answer 404 without touching the store.
bool is_well_formed_id(std::string_view id, std::string_view prefix);

}  // namespace promptjang
