// ServerProcess; see server_process.h.
#include "support/server_process.h"

#include <chrono>

namespace promptjang::testing {

using namespace std::chrono_literals;

ServerProcess::ServerProcess(std::vector<std::string> args) : args_(std::move(args)) {}

std::optional<std::string> ServerProcess::start() {
  if (proc_) history_ += "--- life " + std::to_string(++lives_) + "\n" + proc_->err();
  std::vector<std::string> argv{promptjang_binary(), "serve", "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), args_.begin(), args_.end());
  proc_ = std::make_unique<ChildProcess>(argv, dir_.path().string());
  auto port = proc_->wait_for_port(20s);
  if (!port) return std::nullopt;
  if (!key_) key_ = proc_->wait_for("API key:    ", 1s);  // printed at the first start
  std::lock_guard lock(mu_);
  base_ = "http://127.0.0.1:" + *port;
  return base_;
}

void ServerProcess::down() {
  std::lock_guard lock(mu_);
  base_.clear();
}

void ServerProcess::kill() {
  down();
  proc_->kill_hard();
}

int ServerProcess::terminate() {
  down();
  return proc_->terminate_and_wait();
}

bool ServerProcess::running() const { return !base().empty(); }

std::string ServerProcess::base() const {
  std::lock_guard lock(mu_);
  return base_;
}

std::string ServerProcess::auth() const { return "Authorization: Bearer " + key_.value_or(""); }

std::string ServerProcess::logs() const {
  return history_ + "--- current life\n" + (proc_ ? proc_->err() : "");
}

}  // namespace promptjang::testing
