// RawServer: a tiny TCP server over POSIX sockets for the sender tests, to play
// receivers that misbehave (hang, close or reset without answering, send an
// endless body) or that must be watched closely (how many connections came).
//
// Threads: one accept thread, and one thread per accepted connection running the
// test's Script on a RawConn. Every wait polls in short slices and gives up when
// the server stops, so a test never hangs on it; the destructor stops the server
// and joins every thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace promptjang::testing {

// One accepted connection, as a script sees it.
class RawConn {
 public:
  RawConn(int fd, const std::atomic<bool>& stop) : fd_(fd), stop_(stop) {}
  ~RawConn();
  RawConn(const RawConn&) = delete;
  RawConn& operator=(const RawConn&) = delete;

  // The next request: head and Content-Length body. nullopt when the peer
  // closes, the server stops, or nothing complete came within `within`.
  std::optional<std::string> read_request(
      std::chrono::milliseconds within = std::chrono::seconds(5));
  // Sends all of `bytes`; false if the peer is gone or the server stops.
  bool write(std::string_view bytes);
  // Blocks until the peer closes or the server stops (a receiver that hangs).
  void wait_until_closed();
  // Closes with an RST (SO_LINGER 0) instead of a FIN.
  void reset();

 private:
  bool fill(std::chrono::steady_clock::time_point deadline);

  int fd_;
  const std::atomic<bool>& stop_;
  std::string buffer_;
};

class RawServer {
 public:
  using Script = std::function<void(RawConn&)>;

  // Listens on 127.0.0.1 (or ::1 when `ipv6`), port 0; ok() tells whether it did.
  explicit RawServer(Script script, bool ipv6 = false);
  ~RawServer();
  RawServer(const RawServer&) = delete;
  RawServer& operator=(const RawServer&) = delete;

  bool ok() const { return listen_fd_ >= 0; }
  uint16_t port() const { return port_; }
  // "http://127.0.0.1:PORT/path" (or "[::1]").
  std::string url(std::string_view path = "/") const;
  // TCP connections accepted so far.
  int accepted() const { return accepted_.load(); }

 private:
  void accept_loop();

  Script script_;
  bool ipv6_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> connections_;  // guarded by mu_
};

// "HTTP/1.1 200 OK" with a Content-Length body and nothing else.
std::string raw_response(int status, std::string_view body);

}  // namespace promptjang::testing
