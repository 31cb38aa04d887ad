// ServerProcess; see server_process.h.
#include "support/server_process.h"

#include <algorithm>
#include <chrono>
#include <thread>

namespace promptjang::testing {

using namespace std::chrono_literals;

namespace {

// The port of the first line of `logs` saying "listening on port N": the main
// listener's, or with `ops` the ops listener's ("ops listening on port N").
// Only the digits: a log format may quote or follow the message.
std::optional<std::string> logged_port(const std::string& logs, bool ops) {
  const std::string needle = "listening on port ";
  for (size_t at = logs.find(needle); at != std::string::npos; at = logs.find(needle, at + 1)) {
    const bool is_ops = at >= 4 && logs.compare(at - 4, 4, "ops ") == 0;
    if (is_ops != ops) continue;
    size_t begin = at + needle.size(), end = begin;
    while (end < logs.size() && logs[end] >= '0' && logs[end] <= '9') ++end;
    if (end > begin) return logs.substr(begin, end - begin);
  }
  return std::nullopt;
}

}  // namespace

ServerProcess::ServerProcess(std::vector<std::string> args) : args_(std::move(args)) {}

std::optional<std::string> ServerProcess::start() {
  if (proc_) history_ += "--- life " + std::to_string(++lives_) + "\n" + proc_->err();
  std::vector<std::string> argv{promptjang_binary(), "serve", "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), args_.begin(), args_.end());
  proc_ = std::make_unique<ChildProcess>(argv, dir_.path().string());
  if (!proc_->wait_for("listening on port ", 20s)) return std::nullopt;
  // With --ops-listen, two listeners log their ports, in either order.
  const bool has_ops = std::any_of(args_.begin(), args_.end(), [](const std::string& a) {
    return a == "--ops-listen" || a.starts_with("--ops-listen=");
  });
  std::optional<std::string> port, ops_port;
  for (auto deadline = std::chrono::steady_clock::now() + 20s;;) {
    const std::string logs = proc_->out() + "\n" + proc_->err();
    port = logged_port(logs, false);
    if (has_ops) ops_port = logged_port(logs, true);
    if (port && (!has_ops || ops_port)) break;
    if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(20ms);
  }
  if (!key_) key_ = proc_->wait_for("API key:    ", 1s);  // printed at the first start
  std::lock_guard lock(mu_);
  base_ = "http://127.0.0.1:" + *port;
  ops_base_ = ops_port ? "http://127.0.0.1:" + *ops_port : "";
  return base_;
}

void ServerProcess::down() {
  std::lock_guard lock(mu_);
  base_.clear();
  ops_base_.clear();
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

std::string ServerProcess::ops_base() const {
  std::lock_guard lock(mu_);
  return ops_base_;
}

std::string ServerProcess::auth() const { return "Authorization: Bearer " + key_.value_or(""); }

std::string ServerProcess::logs() const {
  return history_ + "--- current life\n" + (proc_ ? proc_->err() : "");
}

}  // namespace promptjang::testing
