// Pool: BeastHttpClient's connections, by origin (scheme, host, port), and the
// ops waiting for one.
//
// An Op first takes an idle connection of its origin (the most recently used;
// one idle for a while is first checked for a peer that left), else a new one if
// the caps allow (closing the least recently used idle connection of any origin
// to stay under max_total_connections), else waits in its origin's FIFO. An
// origin blocked by the total cap (not its own) queues in starved_ for the next
// connection that closes. A connection whose answer was read goes straight to
// its origin's next waiting Op, or is closed when another origin starves, or
// goes idle.
//
// Threads: the client thread only. The Pool owns every Conn (conns_); a dropped
// one lives on only in its pending handlers, which find it closed.
// Invariants: open_ == conns_.size() == the sum of HostPool::open; an origin
// with waiting ops has no idle connection; a waiting op has no connection.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "delivery/beast_connection.h"

namespace promptjang::beast_detail {

struct HostPool {
  explicit HostPool(Origin o) : origin(std::move(o)) {}
  Origin origin;
  size_t open = 0;                        // connections: setting up, busy or idle
  size_t ops = 0;                         // ops routed here and not completed
  HookList<Conn, &Conn::idle_hook> idle;  // most recently used at the back
  HookList<Op, &Op::wait_hook> waiting;   // in arrival order (a retried one first)
  bool starved = false;                   // in Pool::starved_
};

class Pool {
 public:
  Pool(const ConnContext& ctx, ConnOwner& owner) : ctx_(ctx), owner_(owner) {}
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Sets op.pool (found or made from op.request.url) and op.target; false, with
  // `error`, for a URL nothing can be sent to.
  bool route(Op& op, std::string& error);
  // Queues op (first when `front`: a retried one) and starts what can start.
  void enqueue(Op& op, bool front);
  // For a connection whose answer was read and that is good for another. True
  // when it went idle (then idle_since is set).
  bool release(Conn& conn);
  // Closes and forgets a connection; refill() its pool afterwards.
  void drop(Conn& conn);
  // Starts what a freed connection slot of `pool` lets start.
  void refill(HostPool& pool) {
    pump(pool);
    pump_starved();
  }
  // Takes a waiting op out of its queue.
  void withdraw(Op& op);
  // Closes the connections idle since `t` or earlier.
  void close_idle_since(SteadyTime t);
  // When the least recently used idle connection went idle (max() when none).
  SteadyTime oldest_idle() const;
  // Forgets the origins nothing refers to.
  void sweep();
  // Closes every connection (shutdown).
  void close_all();

 private:
  enum class Run { started, host_full, all_full };
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  Run try_run(Op& op);
  bool room() const;
  void pump(HostPool& pool);
  void pump_starved();
  void starve(HostPool& pool);

  const ConnContext& ctx_;
  ConnOwner& owner_;
  std::unordered_map<std::string, std::unique_ptr<HostPool>, StringHash, std::equal_to<>> pools_;
  std::unordered_map<Conn*, std::shared_ptr<Conn>> conns_;
  size_t open_ = 0;
  HookList<Conn, &Conn::lru_hook> idle_lru_;  // least recently used first
  std::deque<HostPool*> starved_;
  std::string key_;  // scratch for route()
};

}  // namespace promptjang::beast_detail
