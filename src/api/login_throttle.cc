// Sliding-window failure counters for sign-in; see login_throttle.h.
#include "api/login_throttle.h"

#include <algorithm>

namespace promptjang {

LoginThrottle::LoginThrottle(const Clock& clock, LoginThrottleOptions options)
    : clock_(clock),
      by_email_(std::max(1, options.max_per_email), options.window,
                std::max<size_t>(1, options.max_keys)),
      by_address_(std::max(1, options.max_per_address), options.window,
                  std::max<size_t>(1, options.max_keys)) {}

std::string LoginThrottle::lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

LoginThrottle::Decision LoginThrottle::begin(std::string_view email, std::string_view address) {
  const std::string e = lowercase(email);
  const std::string a(address);
  const TimePoint now = clock_.now();
  std::lock_guard lock(mu_);
  const Micros wait = std::max(by_email_.blocked_for(e, now), by_address_.blocked_for(a, now));
  if (wait > Micros::zero()) {
    return Decision{false, std::chrono::ceil<std::chrono::seconds>(wait)};
  }
  by_email_.add(e, now);
  by_address_.add(a, now);
  return Decision{};
}

void LoginThrottle::succeeded(std::string_view email, std::string_view address) {
  const std::string e = lowercase(email);
  const std::string a(address);
  std::lock_guard lock(mu_);
  by_email_.clear(e);
  by_address_.remove_last(a);
}

void LoginThrottle::abandoned(std::string_view email, std::string_view address) {
  const std::string e = lowercase(email);
  const std::string a(address);
  std::lock_guard lock(mu_);
  by_email_.remove_last(e);
  by_address_.remove_last(a);
}

size_t LoginThrottle::email_count() const {
  std::lock_guard lock(mu_);
  return by_email_.size();
}

size_t LoginThrottle::address_count() const {
  std::lock_guard lock(mu_);
  return by_address_.size();
}

Micros LoginThrottle::Failures::blocked_for(const std::string& key, TimePoint now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return Micros::zero();
  auto& times = it->second.times;
  while (!times.empty() && times.front() + window_ <= now) times.pop_front();
  if (times.empty()) {
    erase(it);
    return Micros::zero();
  }
  if (static_cast<int>(times.size()) < limit_) return Micros::zero();
  // The oldest failure of the last `limit_` leaves the window first.
  return times.front() + window_ - now;
}

void LoginThrottle::Failures::add(const std::string& key, TimePoint now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= max_keys_) erase(entries_.find(order_.front()));
    order_.push_back(key);
    it = entries_.emplace(key, Entry{{}, std::prev(order_.end())}).first;
  } else {
    order_.splice(order_.end(), order_, it->second.order);  // now the most recent
  }
  auto& times = it->second.times;
  times.push_back(now);
  // Only the last `limit_` failures can decide anything.
  while (static_cast<int>(times.size()) > limit_) times.pop_front();
}

void LoginThrottle::Failures::remove_last(const std::string& key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  it->second.times.pop_back();
  if (it->second.times.empty()) erase(it);
}

void LoginThrottle::Failures::erase(Map::iterator it) {
  if (it == entries_.end()) return;
  order_.erase(it->second.order);
  entries_.erase(it);
}

}  // namespace promptjang
