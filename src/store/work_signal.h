// WorkSignal: how nodes sharing one database tell each other that due work
// appeared (SPEC §11). A node delivers what it ingests itself; what it cannot
// hand to its own dispatcher — events replayed or an endpoint enabled through
// it, events ingested by an API-only node, leases it gave back at shutdown —
// it announces, and every other node claims at once instead of at its next
// safety poll. Over PostgreSQL this is LISTEN/NOTIFY (pg_notifier.h); the
// embedded SQLite store has one node and no signal.
//
// Best effort by design: an announcement lost (a connection down) costs only
// latency, never work: the work waits in the store for the safety poll.
// Threads: announce() from any thread, never blocks; on_work runs on the
// signal's own thread and must not block.
#pragma once

#include <functional>

namespace promptjang {

class WorkSignal {
 public:
  virtual ~WorkSignal() = default;

  // Starts the signal's thread. With `on_work`, this node listens: it runs
  // when another node announced work, and once after each (re)connection,
  // since announcements may have been missed meanwhile. Without, the node
  // only announces (it does not deliver).
  virtual void start(std::function<void()> on_work) = 0;
  // Tells the other nodes that due work appeared. Announcements made while one
  // is being sent are coalesced into the next.
  virtual void announce() = 0;
  // Sends an announcement still pending (briefly), then stops the thread.
  // Idempotent.
  virtual void stop() = 0;
};

}  // namespace promptjang
