// Child processes for tests that run the real `promptjang` binary: spawn with
// output captured to files, wait for a line, kill by PID (only our own children).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace promptjang::testing {

// The path of the promptjang binary under test (a compile definition).
std::string promptjang_binary();

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `args` (args[0] is the program) to completion, capturing stdout and stderr.
CommandResult run_command(const std::vector<std::string>& args);

class ChildProcess {
 public:
  // Starts `args`; stdout and stderr go to files in `dir`.
  ChildProcess(const std::vector<std::string>& args, const std::string& dir);
  ~ChildProcess();  // SIGKILLs the child if it still runs

  pid_t pid() const { return pid_; }
  std::string out() const;
  std::string err() const;
  // Polls stdout+stderr until `needle` appears; returns the text after it up to
  // the end of its line, or nullopt on timeout or exit.
  std::optional<std::string> wait_for(const std::string& needle, std::chrono::milliseconds timeout);
  // The port of the server's "listening on port N" log line (`needle` is what
  // precedes the number), once it is printed.
  std::optional<std::string> wait_for_port(std::chrono::milliseconds timeout,
                                           const std::string& needle = "listening on port ");
  void kill_hard();          // SIGKILL and reap
  int terminate_and_wait();  // SIGTERM, wait; the exit code (or 128+signal)

 private:
  pid_t pid_ = -1;
  std::string out_path_, err_path_;
};

}  // namespace promptjang::testing
