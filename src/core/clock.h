// Clock: the only way code below app/ learns the time.
//
// Domain time is wall-clock UTC at microsecond precision (TimePoint); it is what
// is stored, compared with next_attempt_at and shown as RFC 3339. Tests inject a
// FakeClock and advance it by hand, so schedules are asserted exactly.
// Thread safety: both clocks may be read from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace promptjang {

using Micros = std::chrono::microseconds;
using TimePoint = std::chrono::time_point<std::chrono::system_clock, Micros>;

inline int64_t to_unix_micros(TimePoint t) { return t.time_since_epoch().count(); }
inline TimePoint from_unix_micros(int64_t us) { return TimePoint(Micros(us)); }

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override {
    return std::chrono::time_point_cast<Micros>(std::chrono::system_clock::now());
  }
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start = from_unix_micros(1'700'000'000'000'000))
      : t_(to_unix_micros(start)) {}
  TimePoint now() const override { return from_unix_micros(t_.load()); }
  void advance(Micros d) { t_.fetch_add(d.count()); }
  void set(TimePoint t) { t_.store(to_unix_micros(t)); }

 private:
  std::atomic<int64_t> t_{0};
};

}  // namespace promptjang
