// OpenLoopSender: see load_sender.h. Schedule times are computed from t0 and the
// event's index (never by adding intervals), so a late send does not shift the
// ones after it: the sender catches up instead, as an open-loop load must.
#include "e2e/load_sender.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <thread>
#include <utility>

#include "e2e/api_calls.h"

namespace promptjang::bench {

namespace {

using std::chrono::duration;
using std::chrono::duration_cast;
using std::chrono::nanoseconds;

// Past the end of the phase by this much, a sender that fell behind (starved of
// CPU) gives up the rest, so the tool always ends.
constexpr auto kMaxOverrun = std::chrono::seconds(2);

double ms_between(SteadyTime a, SteadyTime b) {
  return duration<double, std::milli>(b - a).count();
}

}  // namespace

OpenLoopSender::OpenLoopSender(Plan plan, HttpClient& client)
    : plan_(std::move(plan)),
      client_(client),
      headers_(api_headers(plan_.api_key)),
      slots_(static_cast<std::ptrdiff_t>(std::min<size_t>(plan_.connections, kMaxSlots))) {
  counters_.planned = plan_.events;
  acks_.reserve(1 << 16);
}

std::string OpenLoopSender::make_body(uint64_t seq, size_t bytes) {
  std::string body = R"({"event":"bench.e2e","seq":)";
  body += std::to_string(seq);
  body += R"(,"pad":")";
  constexpr size_t kTail = 2;  // "}
  const size_t used = body.size() + kTail;
  if (bytes > used) body.append(bytes - used, 'x');
  body += "\"}";
  return body;
}

void OpenLoopSender::run() {
  const SteadyTime t0 = SteadyClock::now();
  const SteadyTime end = t0 + duration_cast<nanoseconds>(duration<double>(plan_.duration_s));
  const double ns_per_event = 1e9 / plan_.rate;
  double max_lag_ms = 0;
  uint64_t i = 0;
  for (; i < plan_.events; ++i) {
    const SteadyTime scheduled =
        t0 + nanoseconds(static_cast<int64_t>(std::llround(static_cast<double>(i) * ns_per_event)));
    SteadyTime now = SteadyClock::now();
    if (scheduled > now) {
      std::this_thread::sleep_until(scheduled);
    } else if (now > end + kMaxOverrun) {
      break;
    }
    if (!slots_.try_acquire() && !slots_.try_acquire_until(end)) break;  // server too slow

    const SteadyTime sent = SteadyClock::now();
    max_lag_ms = std::max(max_lag_ms, ms_between(scheduled, sent));
    {
      std::lock_guard lock(mu_);
      ++counters_.sent;
      ++counters_.in_flight;
    }
    OutboundRequest req{plan_.ingest_url, headers_, make_body(i, plan_.payload_bytes)};
    client_.send(std::move(req),
                 [this, i, sent](OutboundResult r) { on_answer(i, sent, std::move(r)); });
  }
  if (SteadyClock::now() < end) std::this_thread::sleep_until(end);
  const SteadyTime finished = SteadyClock::now();

  std::lock_guard lock(mu_);
  counters_.skipped = plan_.events - i;
  counters_.phase_seconds = duration<double>(finished - t0).count();
  counters_.max_lag_ms = max_lag_ms;
  counters_.done = true;
}

void OpenLoopSender::on_answer(uint64_t seq, SteadyTime sent, OutboundResult r) {
  const SteadyTime at = SteadyClock::now();  // first: this is the ack time
  std::optional<std::string> id;
  const bool accepted = r.status_code && *r.status_code == 202;
  if (accepted) id = parse_id(r.response_body);
  {
    std::lock_guard lock(mu_);
    --counters_.in_flight;
    if (!r.status_code) {
      ++counters_.errors;
      // The client completes what is still pending when it is destroyed (after
      // the drain timeout) with this detail: name it apart from real failures.
      const bool abandoned = r.error_detail == "client shut down";
      ++counters_.errors_by_kind[abandoned ? "unanswered_at_exit" : r.error.value_or("unknown")];
    } else if (!accepted) {
      ++counters_.non_2xx;
      ++counters_.statuses[*r.status_code];
    } else if (!id) {
      ++counters_.errors;
      ++counters_.errors_by_kind["bad_ack_body"];
    } else {
      ++counters_.acked;
      acks_.push_back(Ack{std::move(*id), seq, sent, at});
    }
  }
  slots_.release();
}

std::vector<Ack> OpenLoopSender::take_acks() {
  std::vector<Ack> out;
  out.reserve(1 << 12);
  std::lock_guard lock(mu_);
  out.swap(acks_);
  return out;
}

SenderCounters OpenLoopSender::counters() {
  std::lock_guard lock(mu_);
  return counters_;
}

}  // namespace promptjang::bench
