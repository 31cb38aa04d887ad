// ServerProcess: the real `promptjang serve` binary as a child process on
// 127.0.0.1 port 0, for tests that kill it, restart it, or take its storage
// away. start() may be called again after kill() (a restart on the same
// database, on a new port); every life's stderr is kept for failure messages.
// With --ops-listen among the args, start() also waits for the ops listener
// ("ops listening on port N"; the main one logs "listening on port N").
//
// Threads: base() and auth() may be read from any thread (clients ingesting
// while the test kills and restarts); start/kill/terminate from one thread.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/temp_dir.h"

namespace promptjang::testing {

class ServerProcess {
 public:
  // `args` follow `promptjang serve --listen 127.0.0.1:0` (the database and
  // any other setting).
  explicit ServerProcess(std::vector<std::string> args);

  // Starts the server and waits until it listens; its base URL, or nullopt.
  std::optional<std::string> start();
  void kill();           // SIGKILL (no shutdown at all)
  int terminate();       // SIGTERM and wait; the exit code
  bool running() const;  // started and not yet killed or terminated

  // "http://127.0.0.1:PORT", empty while the server is down.
  std::string base() const;
  // The --ops-listen listener's "http://127.0.0.1:PORT"; empty without one.
  std::string ops_base() const;
  // The Authorization header of the API key printed at the first start.
  std::string auth() const;
  // Every life's stderr, the current one last.
  std::string logs() const;

 private:
  void down();

  std::vector<std::string> args_;
  TempDir dir_;
  std::unique_ptr<ChildProcess> proc_;
  std::optional<std::string> key_;
  std::string history_;
  int lives_ = 0;
  mutable std::mutex mu_;
  std::string base_;      // empty while down
  std::string ops_base_;  // empty while down or without --ops-listen
};

}  // namespace promptjang::testing
