// LoginThrottle: slows password guessing on the dashboard's sign-in (SPEC §9).
//
// Failed logins are counted per email (lowercased) and per client address, in a
// sliding window: once an email has `max_per_email` failures (5) within `window`
// (15 minutes), or an address `max_per_address` (20), every further attempt for
// it is refused — a right password too — until the oldest of those failures is
// `window` old; the answer says how long that is (Retry-After).
//
// An attempt is counted as failed when it begins (begin()), before its password
// is checked, so that many concurrent guesses cannot all slip under the limit;
// succeeded() then clears the email's failures and takes the attempt back from
// the address, and abandoned() (the check could not be made: storage down) takes
// it back from both.
//
// Memory: each of the two maps keeps at most `max_keys` keys (and each key at
// most its limit of timestamps); a new key past the cap evicts the key whose
// last failure is the oldest. Time comes from the injected Clock only.
// Thread safety: every method may be called from any thread (one mutex).
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"

namespace promptjang {

struct LoginThrottleOptions {
  int max_per_email = 5;
  int max_per_address = 20;
  Micros window = std::chrono::minutes(15);
  size_t max_keys = 100'000;  // per map (emails, addresses)
};

class LoginThrottle {
 public:
  struct Decision {
    bool allowed = true;
    std::chrono::seconds retry_after{0};  // rounded up; 0 when allowed
  };

  // Limits below 1 are taken as 1. `clock` must outlive the throttle.
  explicit LoginThrottle(const Clock& clock, LoginThrottleOptions options = {});

  // Refused while the email or the address has used up its failures; when
  // allowed, the attempt counts as failed for both until said otherwise.
  // `email` is compared without regard to ASCII case.
  Decision begin(std::string_view email, std::string_view address);
  // The attempt begun for (email, address) had the right password.
  void succeeded(std::string_view email, std::string_view address);
  // The attempt begun for (email, address) could not be judged.
  void abandoned(std::string_view email, std::string_view address);

  // Keys remembered now (for tests and metrics).
  size_t email_count() const;
  size_t address_count() const;

 private:
  // Failure times per key, with an eviction order. Not thread-safe itself.
  class Failures {
   public:
    Failures(int limit, Micros window, size_t max_keys)
        : limit_(limit), window_(window), max_keys_(max_keys) {}
    // How long `key` must wait before its next attempt; zero when it need not.
    Micros blocked_for(const std::string& key, TimePoint now);
    void add(const std::string& key, TimePoint now);
    void remove_last(const std::string& key);
    void clear(const std::string& key) { erase(entries_.find(key)); }
    size_t size() const { return entries_.size(); }

   private:
    struct Entry {
      std::deque<TimePoint> times;  // ascending, at most limit_, all within the window
      std::list<std::string>::iterator order;
    };
    using Map = std::unordered_map<std::string, Entry>;
    void erase(Map::iterator it);

    const int limit_;
    const Micros window_;
    const size_t max_keys_;
    Map entries_;
    std::list<std::string> order_;  // keys by last failure, oldest first
  };

  static std::string lowercase(std::string_view s);

  const Clock& clock_;
  mutable std::mutex mu_;
  Failures by_email_;    // guarded by mu_
  Failures by_address_;  // guarded by mu_
};

}  // namespace promptjang
