// The dispatcher's loop, fairness and outcome handling; see dispatcher.h.
#include "delivery/dispatcher.h"

#include <algorithm>
#include <boost/json.hpp>

#include "delivery/signer.h"

namespace promptjang {
namespace {

std::string headers_json(const HeaderList& headers) {
  boost::json::object o;
  for (const auto& [k, v] : headers) o[k] = v;
  return boost::json::serialize(o);
}

}  // namespace

Dispatcher::Dispatcher(DispatcherOptions options, Store& store, HttpClient& client,
                       const Clock& clock, Logger& logger, EndpointCache* endpoints)
    : options_(std::move(options)),
      store_(store),
      client_(client),
      clock_(clock),
      logger_(logger),
      endpoint_cache_(endpoints) {}

Dispatcher::~Dispatcher() { stop(); }

void Dispatcher::start() {
  std::lock_guard lock(mu_);
  if (running_) return;
  running_ = true;
  thread_ = std::thread([this] { run(); });
  claimer_ = std::thread([this] { claim_loop(); });
}

void Dispatcher::stop() {
  {
    std::lock_guard lock(mu_);
    if (!running_ || stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
  claimer_.join();
  std::vector<std::string> unsent;
  {
    std::unique_lock lock(mu_);
    bool drained = cv_.wait_for(lock, options_.drain_timeout,
                                [&] { return in_flight_ == 0 && recording_ == 0; });
    if (!drained) {
      abandoned_ = true;
      logger_.warn(
          "delivery: {} attempts still in flight at shutdown; they will be sent again "
          "after their lease ends",
          in_flight_);
    }
    for (auto& [id, st] : endpoints_)
      for (const auto& e : st.ready) unsent.push_back(e.id);
  }
  // Give the events we held but did not start back to the pollers at once.
  for (const auto& id : unsent) store_.release_event(id, [](Status) {});
}

void Dispatcher::submit(Event event) {
  {
    std::lock_guard lock(mu_);
    auto& st = endpoints_[event.endpoint_id];
    if (stopping_ || held_ids_.count(event.id) || st.held >= options_.max_held_per_endpoint) {
      // Not now: the event stays leased in the store; give the lease back so a
      // poller takes it when this endpoint has room.
      std::string id = event.id;
      if (st.held == 0)
        endpoints_.erase(event.endpoint_id);
      else
        st.overflowed = true;
      store_.release_event(id, [](Status) {});
      return;
    }
    held_ids_.insert(event.id);
    ++st.held;
    if (st.ready.empty()) round_robin_.push_back(event.endpoint_id);
    st.ready.push_back(std::move(event));
    work_ = true;
  }
  cv_.notify_all();
}

void Dispatcher::poke() {
  {
    std::lock_guard lock(mu_);
    poke_ = true;
  }
  cv_.notify_all();
}

size_t Dispatcher::in_flight() const {
  std::lock_guard lock(mu_);
  return in_flight_;
}

size_t Dispatcher::held() const {
  std::lock_guard lock(mu_);
  return held_ids_.size();
}

void Dispatcher::run() {
  std::unique_lock lock(mu_);
  TimePoint next_poll = clock_.now();  // claim at once: recovery
  while (!stopping_) {
    TimePoint now = clock_.now();
    bool due = poke_ || now >= next_poll;
    while (!wakeups_.empty() && wakeups_.top() <= now) {
      wakeups_.pop();
      due = true;
    }
    work_ = false;
    if (due) {
      poke_ = false;
      claim_all_ = true;  // the claimer takes it; this thread goes on sending
      cv_.notify_all();
      next_poll = now + std::chrono::duration_cast<Micros>(options_.poll_interval);
    }
    if (!to_disable_.empty()) {
      auto ids = std::move(to_disable_);
      to_disable_.clear();
      lock.unlock();
      disable_endpoints(std::move(ids));
      lock.lock();
    }
    Event e;
    while (!stopping_ && next_startable(e)) {
      lock.unlock();
      start_attempt(std::move(e));
      lock.lock();
    }
    TimePoint until = next_poll;
    if (!wakeups_.empty()) until = std::min(until, wakeups_.top());
    auto wait = until - clock_.now();
    if (wait > Micros(0)) cv_.wait_for(lock, wait, [&] { return stopping_ || poke_ || work_; });
  }
}

std::chrono::milliseconds Dispatcher::renew_interval() const {
  if (options_.renew_interval.count() > 0) return options_.renew_interval;
  return std::max(options_.lease / 3, std::chrono::milliseconds(1));
}

void Dispatcher::renew_leases(std::vector<std::string> ids) {
  constexpr size_t kChunk = 1000;  // one statement per thousand ids
  auto until = clock_.now() + std::chrono::duration_cast<Micros>(options_.lease);
  for (size_t i = 0; i < ids.size(); i += kChunk) {
    std::vector<std::string> chunk(
        ids.begin() + static_cast<std::ptrdiff_t>(i),
        ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), i + kChunk)));
    auto renewed = store_.renew_leases(options_.owner, chunk, until);
    if (!renewed) {
      // The leases may run out: at worst another node sends these again.
      logger_.warn("delivery: cannot renew {} lease(s): {}", chunk.size(),
                   renewed.status().to_string());
      return;
    }
  }
}

void Dispatcher::claim_loop() {
  std::unique_lock lock(mu_);
  TimePoint next_renewal = clock_.now() + std::chrono::duration_cast<Micros>(renew_interval());
  for (;;) {
    auto renewal_due = [&] { return !options_.owner.empty() && clock_.now() >= next_renewal; };
    // Wakes at least every poll interval to look at the (possibly fake) clock.
    cv_.wait_for(lock, options_.poll_interval,
                 [&] { return stopping_ || claim_all_ || !refill_.empty() || renewal_due(); });
    if (stopping_) return;
    if (renewal_due()) {
      std::vector<std::string> held(held_ids_.begin(), held_ids_.end());
      lock.unlock();
      renew_leases(std::move(held));
      lock.lock();
      next_renewal = clock_.now() + std::chrono::duration_cast<Micros>(renew_interval());
    }
    if (!claim_all_ && refill_.empty()) continue;
    std::vector<std::string> only;
    if (claim_all_) {
      claim_all_ = false;
      refill_.clear();  // the claim of every endpoint covers them
    } else {
      only.assign(refill_.begin(), refill_.end());
      refill_.clear();
    }
    lock.unlock();
    claim(clock_.now(), std::move(only));
    lock.lock();
    work_ = true;
    cv_.notify_all();
  }
}

std::vector<std::string> Dispatcher::saturated_endpoints() const {
  std::vector<std::string> out;
  for (const auto& [id, st] : endpoints_)
    if (st.held > options_.max_held_per_endpoint / 2) out.push_back(id);
  return out;
}

size_t Dispatcher::claim_share() const {
  return std::max<size_t>(options_.max_held_per_endpoint / 2, 1);
}

void Dispatcher::claim(TimePoint now, std::vector<std::string> only) {
  auto lease_until = now + std::chrono::duration_cast<Micros>(options_.lease);
  std::vector<std::string> saturated;
  {
    std::lock_guard lock(mu_);
    saturated = saturated_endpoints();
    for (const auto& id : saturated) endpoints_[id].overflowed = true;
  }
  ClaimRequest request;
  request.now = now;
  request.lease_until = lease_until;
  request.owner = options_.owner;
  request.limit = static_cast<int>(options_.claim_batch);
  request.per_endpoint_limit = static_cast<int>(claim_share());
  request.exclude_endpoints = std::move(saturated);
  request.only_endpoints = std::move(only);
  auto claimed = store_.claim_due_events(request);
  if (!claimed) {
    logger_.warn("delivery: cannot claim due events: {}", claimed.status().to_string());
    return;
  }
  std::vector<std::string> overflow;
  {
    std::lock_guard lock(mu_);
    std::unordered_map<std::string, size_t> per_endpoint;
    for (auto& event : *claimed) {
      ++per_endpoint[event.endpoint_id];
      if (held_ids_.count(event.id)) continue;  // ours already; its lease was extended
      auto& st = endpoints_[event.endpoint_id];
      if (st.held >= options_.max_held_per_endpoint) {
        overflow.push_back(event.id);
        st.overflowed = true;
        continue;
      }
      held_ids_.insert(event.id);
      ++st.held;
      if (st.ready.empty()) round_robin_.push_back(event.endpoint_id);
      st.ready.push_back(std::move(event));
      work_ = true;
    }
    // A full share of an endpoint, or a full claim, says more may be due: claim
    // again as soon as there is room (now, for an endpoint still half empty).
    for (const auto& [endpoint_id, n] : per_endpoint) {
      if (n < claim_share()) continue;
      auto& st = endpoints_[endpoint_id];
      st.overflowed = true;
      if (st.held <= options_.max_held_per_endpoint / 2) refill_.insert(endpoint_id);
    }
    if (claimed->size() >= options_.claim_batch) poke_ = true;
    for (auto it = endpoints_.begin(); it != endpoints_.end();)
      it = it->second.held == 0 ? endpoints_.erase(it) : std::next(it);
  }
  for (const auto& id : overflow) store_.release_event(id, [](Status) {});
}

bool Dispatcher::next_startable(Event& out) {
  size_t n = round_robin_.size();
  // on_recorded wakes the thread when a record commits.
  if (in_flight_ + recording_ >= options_.max_recording) return false;
  for (size_t i = 0; i < n && in_flight_ < options_.max_in_flight; ++i) {
    std::string ep = std::move(round_robin_.front());
    round_robin_.pop_front();
    auto it = endpoints_.find(ep);
    if (it == endpoints_.end() || it->second.ready.empty()) continue;
    EndpointState& st = it->second;
    if (st.in_flight >= options_.max_in_flight_per_endpoint) {
      round_robin_.push_back(std::move(ep));
      continue;
    }
    out = std::move(st.ready.front());
    st.ready.pop_front();
    ++st.in_flight;
    ++in_flight_;
    if (!st.ready.empty()) round_robin_.push_back(std::move(ep));
    return true;
  }
  return false;
}

void Dispatcher::forget(const Event& event) { held_ids_.erase(event.id); }

void Dispatcher::release_hold(const Event& event) {
  auto it = endpoints_.find(event.endpoint_id);
  if (it == endpoints_.end()) return;
  if (it->second.held > 0) --it->second.held;
  // Hysteresis: half empty before claiming its backlog again, so a claim (at
  // most claim_share() of one endpoint) always fits.
  if (it->second.overflowed && it->second.held <= options_.max_held_per_endpoint / 2) {
    it->second.overflowed = false;
    refill_.insert(event.endpoint_id);  // its backlog waits in the store: claim it now
  }
  if (it->second.held == 0 && it->second.ready.empty() && it->second.in_flight == 0)
    endpoints_.erase(it);
}

Result<std::shared_ptr<const Endpoint>> Dispatcher::endpoint_of(const Event& event) {
  if (endpoint_cache_) return endpoint_cache_->get(event.account_id, event.endpoint_id);
  auto endpoint = store_.get_endpoint(event.account_id, event.endpoint_id);
  if (!endpoint) return endpoint.status();
  return std::make_shared<const Endpoint>(std::move(*endpoint));
}

void Dispatcher::start_attempt(Event event) {
  auto endpoint = endpoint_of(event);
  if (!endpoint || !(*endpoint)->enabled) {
    // Deleted (its pending events were failed with it), disabled (the event
    // waits in the store until the endpoint is enabled), or the store is down
    // (the lease ends and the event is claimed again).
    if (endpoint) store_.release_event(event.id, [](Status) {});
    if (!endpoint && endpoint.status().code() != StatusCode::kNotFound)
      logger_.warn("delivery: {}: endpoint lookup failed: {}", event.id,
                   endpoint.status().to_string());
    std::lock_guard lock(mu_);
    auto it = endpoints_.find(event.endpoint_id);
    if (it != endpoints_.end()) --it->second.in_flight;
    --in_flight_;
    release_hold(event);
    forget(event);
    work_ = true;
    cv_.notify_all();
    return;
  }
  int number = event.attempt_count + 1;
  OutboundRequest request;
  request.url = (*endpoint)->url;
  request.headers = delivery_headers(event, **endpoint, number, clock_.now(), options_.user_agent);
  request.body = std::move(event.payload);  // the event keeps only what the outcome needs
  client_.send(std::move(request), [this, event = std::move(event), number](OutboundResult r) {
    on_result(event, number, std::move(r));
  });
}

void Dispatcher::on_result(Event event, int attempt_number, OutboundResult result) {
  Outcome outcome{result.status_code, result.error};
  Decision decision =
      decide(options_.schedule, attempt_number - event.cycle_base, outcome, result.ended_at);
  {
    std::lock_guard lock(mu_);
    auto it = endpoints_.find(event.endpoint_id);
    if (it != endpoints_.end() && it->second.in_flight > 0) --it->second.in_flight;
    --in_flight_;
    // Its payload is gone (sent): the attempt no longer counts against the
    // endpoint's cap while it is being recorded, so the commit's fsync does
    // not hold back the endpoint's next events.
    release_hold(event);
    work_ = true;
    if (abandoned_) {  // shutting down past the drain: the lease brings it back
      forget(event);
      cv_.notify_all();
      return;
    }
    ++recording_;
  }
  cv_.notify_all();
  if (options_.observer) options_.observer->on_attempt({event, attempt_number, result, decision});

  AttemptRecord record;
  record.attempt.event_id = event.id;
  record.attempt.number = attempt_number;
  record.attempt.started_at = result.started_at;
  record.attempt.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(result.ended_at - result.started_at)
          .count();
  record.attempt.status_code = result.status_code;
  record.attempt.error = result.error;
  record.attempt.response_headers = headers_json(result.response_headers);
  record.attempt.response_body = std::move(result.response_body);
  record.attempt.response_truncated = result.response_truncated;
  record.new_status = decision.status;
  record.next_attempt_at = decision.next_attempt_at;
  store_.record_attempt(std::move(record), [this, event = std::move(event), decision](Status s) {
    on_recorded(event, decision, s);
  });
}

void Dispatcher::on_recorded(const Event& event, const Decision& decision, const Status& status) {
  if (!status.is_ok())
    logger_.error("delivery: attempt of {} not recorded ({}); it will be sent again", event.id,
                  status.to_string());
  {
    std::lock_guard lock(mu_);
    --recording_;
    forget(event);
    if (status.is_ok() && decision.next_attempt_at &&
        *decision.next_attempt_at - clock_.now() <=
            std::chrono::duration_cast<Micros>(options_.horizon))
      wakeups_.push(*decision.next_attempt_at);
    if (status.is_ok() && decision.disable_endpoint)
      to_disable_.emplace_back(event.account_id, event.endpoint_id);
    work_ = true;
    // Notified before the unlock: once recording_ is back to 0, stop() may
    // return as soon as mu_ is free and the Dispatcher be destroyed, so this
    // (store writer) thread must not touch cv_, or anything of this, after it.
    cv_.notify_all();
  }
}

void Dispatcher::disable_endpoints(std::vector<std::pair<std::string, std::string>> ids) {
  for (const auto& [account_id, endpoint_id] : ids) {
    auto ep = store_.get_endpoint(account_id, endpoint_id);
    if (!ep || !ep->enabled) continue;
    ep->enabled = false;
    ep->updated_at = clock_.now();
    Status s = store_.update_endpoint(*ep);
    if (endpoint_cache_) endpoint_cache_->invalidate(endpoint_id);
    if (s.is_ok())
      logger_.warn("delivery: endpoint {} answered 410 Gone and was disabled", endpoint_id);
    else
      logger_.error("delivery: could not disable endpoint {}: {}", endpoint_id, s.to_string());
  }
}

}  // namespace promptjang
