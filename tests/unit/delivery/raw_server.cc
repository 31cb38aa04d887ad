// The raw test server; see raw_server.h.
#include "unit/delivery/raw_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>

namespace promptjang::testing {
namespace {

constexpr int kSliceMs = 20;  // how often waits look at the stop flag

// Waits for `events` on fd for one slice; true when ready (or in error).
bool ready(int fd, short events) {
  pollfd p{fd, events, 0};
  int n = ::poll(&p, 1, kSliceMs);
  return n > 0;
}

size_t content_length(const std::string& head) {
  std::string lower(head);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const size_t at = lower.find("\r\ncontent-length:");
  if (at == std::string::npos) return 0;
  return static_cast<size_t>(std::strtoull(lower.c_str() + at + 17, nullptr, 10));
}

}  // namespace

RawConn::~RawConn() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConn::fill(std::chrono::steady_clock::time_point deadline) {
  while (fd_ >= 0 && !stop_.load() && std::chrono::steady_clock::now() < deadline) {
    if (!ready(fd_, POLLIN)) continue;
    char chunk[16384];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }
  return false;
}

std::optional<std::string> RawConn::read_request(std::chrono::milliseconds within) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  size_t end;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos)
    if (!fill(deadline)) return std::nullopt;
  const size_t total = end + 4 + content_length(buffer_.substr(0, end + 2));
  while (buffer_.size() < total)
    if (!fill(deadline)) return std::nullopt;
  std::string request = buffer_.substr(0, total);
  buffer_.erase(0, total);
  return request;
}

bool RawConn::write(std::string_view bytes) {
  while (!bytes.empty()) {
    if (fd_ < 0 || stop_.load()) return false;
    if (!ready(fd_, POLLOUT)) continue;
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void RawConn::wait_until_closed() {
  const auto forever = std::chrono::steady_clock::now() + std::chrono::hours(1);
  while (fill(forever)) buffer_.clear();
}

void RawConn::reset() {
  if (fd_ < 0) return;
  linger l{1, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd_);
  fd_ = -1;
}

RawServer::RawServer(Script script, bool ipv6) : script_(std::move(script)), ipv6_(ipv6) {
  int fd = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return;
  sockaddr_storage ss{};
  socklen_t len;
  if (ipv6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_addr = in6addr_loopback;
    len = sizeof(sockaddr_in6);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof(sockaddr_in);
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd, 128) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    ::close(fd);
    return;
  }
  port_ = ntohs(ipv6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                     : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  listen_fd_ = fd;
  acceptor_ = std::thread([this] { accept_loop(); });
}

RawServer::~RawServer() {
  stop_.store(true);
  if (acceptor_.joinable()) acceptor_.join();
  std::vector<std::thread> connections;
  {
    std::lock_guard lock(mu_);
    connections.swap(connections_);
  }
  for (auto& t : connections) t.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

std::string RawServer::url(std::string_view path) const {
  return std::string(ipv6_ ? "http://[::1]:" : "http://127.0.0.1:") + std::to_string(port_) +
         std::string(path);
}

void RawServer::accept_loop() {
  while (!stop_.load()) {
    if (!ready(listen_fd_, POLLIN)) continue;
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    accepted_.fetch_add(1);
    std::lock_guard lock(mu_);
    connections_.emplace_back([this, fd] {
      RawConn conn(fd, stop_);
      script_(conn);
    });
  }
}

std::string raw_response(int status, std::string_view body) {
  return "HTTP/1.1 " + std::to_string(status) +
         " X\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

}  // namespace promptjang::testing
