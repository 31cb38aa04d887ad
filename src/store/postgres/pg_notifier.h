// Notifier: the WorkSignal of nodes sharing a PostgreSQL database, over
// LISTEN/NOTIFY on one dedicated connection (channel `promptjang_work`).
//
// One thread owns the connection: it LISTENs (when started with a callback),
// waits on the connection's socket and an eventfd, sends one NOTIFY for all
// the announce() calls made since the previous one, and runs the callback for
// each batch of notifications from other nodes (its own, echoed back by the
// server, are ignored by backend pid). A lost connection is reconnected with
// a backoff of 0.5 s doubling to 10 s; after each reconnection the callback
// runs once, since notifications sent meanwhile are lost. NOTIFY is sent with
// synchronous_commit off: an announcement needs no fsync.
// Threads: announce() from any thread (never blocks); start()/stop() from one
// controlling thread; the callback runs on the notifier's thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "core/log.h"
#include "store/work_signal.h"

namespace promptjang::pg {

class Notifier final : public WorkSignal {
 public:
  // `conninfo`: a postgres:// URL or libpq key=value pairs. Nothing connects
  // before start().
  Notifier(std::string conninfo, Logger& logger);
  ~Notifier() override;
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  void start(std::function<void()> on_work) override;
  void announce() override;
  void stop() override;

  // Announcements sent and notifications heard from other nodes (tests).
  uint64_t sent() const { return sent_.load(); }
  uint64_t heard() const { return heard_.load(); }

 private:
  struct Conn;  // the libpq connection, owned by the thread

  void run();
  // Connects and LISTENs; null after a failure (logged once per outage).
  std::unique_ptr<Conn> connect();
  // Waits up to `ms` for the eventfd (or stop); false when stopping.
  bool sleep(int ms);
  void wake();  // writes the eventfd

  const std::string conninfo_;
  Logger& logger_;
  std::function<void()> on_work_;  // set before the thread starts
  const int event_fd_;
  std::atomic<bool> pending_{false};  // an announcement to send
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> heard_{0};
  std::thread thread_;
};

}  // namespace promptjang::pg
