// Child processes; see process.h.
#include "support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/temp_dir.h"

namespace promptjang::testing {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

pid_t spawn(const std::vector<std::string>& args, const std::string& out, const std::string& err) {
  pid_t pid = fork();
  if (pid == 0) {
    int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(o, 1);
    dup2(e, 2);
    int devnull = ::open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

int decode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

std::string promptjang_binary() { return PROMPTJANG_BINARY; }

CommandResult run_command(const std::vector<std::string>& args) {
  TempDir dir;
  std::string out = dir.file("out"), err = dir.file("err");
  pid_t pid = spawn(args, out, err);
  int status = 0;
  waitpid(pid, &status, 0);
  return CommandResult{decode(status), read_file(out), read_file(err)};
}

ChildProcess::ChildProcess(const std::vector<std::string>& args, const std::string& dir)
    : out_path_(dir + "/child.out." + std::to_string(::getpid()) + "." + std::to_string(rand())),
      err_path_(out_path_ + ".err") {
  pid_ = spawn(args, out_path_, err_path_);
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) kill_hard();
}

std::string ChildProcess::out() const { return read_file(out_path_); }
std::string ChildProcess::err() const { return read_file(err_path_); }

std::optional<std::string> ChildProcess::wait_for(const std::string& needle,
                                                  std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    for (const std::string& text : {out(), err()}) {
      auto at = text.find(needle);
      if (at != std::string::npos) {
        auto start = at + needle.size();
        auto end = text.find('\n', start);
        if (end != std::string::npos) return text.substr(start, end - start);
      }
    }
    int status = 0;
    if (pid_ > 0 && waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::nullopt;
}

std::optional<std::string> ChildProcess::wait_for_port(std::chrono::milliseconds timeout,
                                                       const std::string& needle) {
  auto rest = wait_for(needle, timeout);
  if (!rest) return std::nullopt;
  size_t digits = 0;
  while (digits < rest->size() && std::isdigit(static_cast<unsigned char>((*rest)[digits])))
    ++digits;
  if (digits == 0) return std::nullopt;
  return rest->substr(0, digits);
}

void ChildProcess::kill_hard() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

int ChildProcess::terminate_and_wait() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return decode(status);
}

}  // namespace promptjang::testing
