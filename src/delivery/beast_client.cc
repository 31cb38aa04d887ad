// BeastHttpClient; see beast_client.h.
//
// Shape: Loop owns the io_context and the client thread, the TLS context, the
// resolver, the Pool of connections (beast_pool.h) and every Op between start
// and completion (active_). send() posts to the io_context; nothing else is
// shared between threads, so Loop's state needs no lock. Loop decides what
// becomes of an Op (started, retried, timed out, completed); the Pool where it
// runs; a Conn (beast_connection.h) how.
//
// Timers: one steady_timer serves every total_timeout and idle_timeout. active_
// is in deadline order (every Op gets the same total_timeout when it starts) and
// the Pool's idle list in idle order, so the timer only ever waits for the front
// of one of them and a send costs no timer operation. Each Conn times its own
// set-up.
#include "delivery/beast_client.h"

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <exception>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "delivery/beast_connection.h"
#include "delivery/beast_pool.h"
#include "delivery/beast_resolver.h"

namespace promptjang {
namespace beast_detail {
namespace {

constexpr size_t kMaxSpareOps = 256;
// Deadlines this close together are handled by one wake-up of the timer (ops
// started together then time out together, and none takes a connection freed by
// another for the microsecond it has left).
constexpr auto kTimerSlack = std::chrono::milliseconds(1);
constexpr auto kSweepPoolsEvery = std::chrono::seconds(10);

BeastClientOptions checked(BeastClientOptions options) {
  if (options.connect_timeout.count() <= 0 || options.total_timeout.count() <= 0)
    throw std::invalid_argument("BeastHttpClient: connect and total timeouts must be positive");
  return options;
}

}  // namespace

class Loop final : public ConnOwner {
 public:
  Loop(BeastClientOptions options, const Clock& clock, Logger& logger);
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  void send(OutboundRequest request, std::function<void(OutboundResult)> done);

  void on_connected(Conn& conn, Op& op) override { conn.exchange(op); }
  void on_setup_failed(Conn& conn, Op& op, const char* kind, std::string detail) override;
  void on_answered(Conn& conn, Op& op, bool reusable) override;
  void on_exchange_failed(Conn& conn, Op& op, std::string detail, bool stale) override;

 private:
  void run();
  void start(OutboundRequest request, std::function<void(OutboundResult)> done, TimePoint at);
  void expire(Op& op);
  void fail(Op& op, const char* kind, std::string detail);
  void complete(Op& op);
  Op& new_op();
  void arm(SteadyTime at);
  void on_timer();
  void shutdown();

  const BeastClientOptions options_;
  const Clock& clock_;
  Logger& logger_;
  // Sockets and timers are used on the client thread only: no reactor locking.
  // Other threads only post (send(), the resolver), which stays locked.
  asio::io_context ioc_{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  asio::ssl::context tls_;
  DnsResolver resolver_;
  const ConnContext ctx_;
  Pool pool_;
  asio::steady_timer timer_;
  SteadyTime armed_for_ = SteadyTime::max();
  SteadyTime last_sweep_ = SteadyClock::now();
  HookList<Op, &Op::deadline_hook> active_;  // by deadline
  std::vector<std::unique_ptr<Op>> spare_ops_;
  bool stopping_ = false;
  std::thread thread_;
};

Loop::Loop(BeastClientOptions options, const Clock& clock, Logger& logger)
    : options_(checked(std::move(options))),
      clock_(clock),
      logger_(logger),
      work_(asio::make_work_guard(ioc_)),
      tls_(asio::ssl::context::tls_client),
      resolver_(ioc_),
      ctx_{options_, ioc_, tls_, resolver_, logger_},
      pool_(ctx_, *this),
      timer_(ioc_) {
  boost::system::error_code ec;
  tls_.set_default_verify_paths(ec);
  if (ec) throw std::runtime_error("BeastHttpClient: cannot load the CA store: " + ec.message());
  tls_.set_verify_mode(asio::ssl::verify_peer);
  thread_ = std::thread([this] { run(); });
}

Loop::~Loop() {
  asio::post(ioc_, [this] { shutdown(); });
  thread_.join();
}

void Loop::run() {
  for (;;) {
    try {
      ioc_.run();
      return;
    } catch (const std::exception& e) {  // nothing is expected to throw this far
      logger_.error("sender: client thread: {}", e.what());
    } catch (...) {
      logger_.error("sender: client thread: unknown exception");
    }
  }
}

void Loop::send(OutboundRequest request, std::function<void(OutboundResult)> done) {
  const TimePoint at = clock_.now();
  asio::post(ioc_, [this, request = std::move(request), done = std::move(done), at]() mutable {
    start(std::move(request), std::move(done), at);
  });
}

void Loop::start(OutboundRequest request, std::function<void(OutboundResult)> done, TimePoint at) {
  Op& op = new_op();
  op.request = std::move(request);
  op.done = std::move(done);
  op.result.started_at = at;
  if (stopping_) return fail(op, "connection", "client shut down");
  op.deadline = SteadyClock::now() + options_.total_timeout;
  active_.push_back(op);
  arm(op.deadline);
  std::string error;
  if (!pool_.route(op, error)) return fail(op, "connection", std::move(error));
  ++op.pool->ops;
  pool_.enqueue(op, /*front=*/false);
}

void Loop::on_setup_failed(Conn& conn, Op& op, const char* kind, std::string detail) {
  HostPool& pool = conn.pool();
  op.conn = nullptr;
  pool_.drop(conn);
  pool_.refill(pool);
  fail(op, kind, std::move(detail));
}

void Loop::on_answered(Conn& conn, Op& op, bool reusable) {
  op.conn = nullptr;
  if (reusable && !stopping_) {
    if (pool_.release(conn)) arm(conn.idle_since + options_.idle_timeout);
  } else {
    HostPool& pool = conn.pool();
    pool_.drop(conn);
    pool_.refill(pool);
  }
  complete(op);
}

void Loop::on_exchange_failed(Conn& conn, Op& op, std::string detail, bool stale) {
  HostPool& pool = conn.pool();
  op.conn = nullptr;
  pool_.drop(conn);
  if (stale && !op.retried && !stopping_) {  // the server dropped it while idle: once more
    logger_.debug("sender: {}: kept-alive connection was stale ({}), sending again", op.request.url,
                  detail);
    op.retried = true;
    const TimePoint started_at = op.result.started_at;
    op.result = OutboundResult{};
    op.result.started_at = started_at;
    pool_.enqueue(op, /*front=*/true);
    return pool_.refill(pool);
  }
  pool_.refill(pool);
  fail(op, "connection", std::move(detail));
}

// Fails `op` as timed out. Its pool is not refilled here: on_timer() does it once
// every due op is gone, so none of them takes a connection it cannot use.
void Loop::expire(Op& op) {
  std::string phase = "waiting for a free connection";
  if (op.conn) {
    Conn& conn = *op.conn;
    phase = conn.phase();
    conn.abandon();
    op.conn = nullptr;
    pool_.drop(conn);
  }
  pool_.withdraw(op);
  fail(op, "timeout",
       "no complete answer within " + std::to_string(options_.total_timeout.count()) +
           " ms (total_timeout), while " + phase);
}

void Loop::fail(Op& op, const char* kind, std::string detail) {
  op.result.status_code.reset();
  op.result.error = kind;
  op.result.error_detail = std::move(detail);
  complete(op);
}

// Runs the callback (last: it may send() again, which only posts) and recycles op.
void Loop::complete(Op& op) {
  op.deadline_hook.unlink();
  op.wait_hook.unlink();
  if (op.pool) --op.pool->ops;
  OutboundResult result = std::move(op.result);
  result.ended_at = clock_.now();
  if (result.error)
    logger_.debug("sender: {} failed: {}: {}", op.request.url, *result.error, result.error_detail);
  std::function<void(OutboundResult)> done = std::move(op.done);
  std::unique_ptr<Op> owned(&op);
  owned->request = OutboundRequest{};
  owned->result = OutboundResult{};
  owned->done = nullptr;
  owned->pool = nullptr;
  owned->conn = nullptr;
  owned->retried = false;
  if (spare_ops_.size() < kMaxSpareOps) spare_ops_.push_back(std::move(owned));
  try {
    done(std::move(result));
  } catch (const std::exception& e) {
    logger_.error("sender: a completion callback threw: {}", e.what());
  } catch (...) {
    logger_.error("sender: a completion callback threw");
  }
}

// An Op owned by active_ (as a raw pointer) until complete() takes it back.
Op& Loop::new_op() {
  if (spare_ops_.empty()) return *new Op();
  Op* op = spare_ops_.back().release();
  spare_ops_.pop_back();
  return *op;
}

void Loop::arm(SteadyTime at) {
  if (at >= armed_for_) return;
  armed_for_ = at;
  timer_.expires_at(at);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) on_timer();
  });
}

void Loop::on_timer() {
  const SteadyTime now = SteadyClock::now();
  if (now < timer_.expiry()) return;  // re-armed earlier since this wait was queued
  armed_for_ = SteadyTime::max();
  std::vector<HostPool*> touched;
  while (!active_.empty() && active_.front().deadline <= now + kTimerSlack) {
    touched.push_back(active_.front().pool);
    expire(active_.front());
  }
  for (HostPool* pool : touched) pool_.refill(*pool);
  pool_.close_idle_since(now - options_.idle_timeout);
  if (now - last_sweep_ >= kSweepPoolsEvery) {
    last_sweep_ = now;
    pool_.sweep();
  }
  SteadyTime next = pool_.oldest_idle();
  if (next != SteadyTime::max()) next += options_.idle_timeout;
  if (!active_.empty()) next = std::min(next, active_.front().deadline);
  if (next != SteadyTime::max()) arm(next);
}

void Loop::shutdown() {
  stopping_ = true;
  while (!active_.empty()) {
    Op& op = active_.front();
    if (op.conn) {
      op.conn->abandon();
      op.conn = nullptr;
    }
    fail(op, "connection", "client shut down");
  }
  pool_.close_all();
  timer_.cancel();
  work_.reset();  // run() returns once the handlers of what was closed have run
}

}  // namespace beast_detail

BeastHttpClient::BeastHttpClient(BeastClientOptions options, const Clock& clock, Logger& logger)
    : loop_(std::make_unique<beast_detail::Loop>(std::move(options), clock, logger)) {}

BeastHttpClient::~BeastHttpClient() = default;

void BeastHttpClient::send(OutboundRequest request, std::function<void(OutboundResult)> done) {
  loop_->send(std::move(request), std::move(done));
}

}  // namespace promptjang
