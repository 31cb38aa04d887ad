// StopSignals: SIGINT and SIGTERM taken synchronously, without a handler or a
// global flag. Construct it on the main thread BEFORE any other thread starts
// (the blocked mask is inherited by every thread made after), then wait().
#pragma once

#include <csignal>

namespace promptjang {

class StopSignals {
 public:
  StopSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
  }
  // Blocks until SIGINT or SIGTERM arrives; returns which.
  int wait() {
    int sig = 0;
    sigwait(&set_, &sig);
    return sig;
  }

 private:
  sigset_t set_;
};

}  // namespace promptjang
