// RawConnection: a raw TCP client on 127.0.0.1 for tests that must send what no
// well-behaved HTTP client would (a header a byte at a time, conflicting
// framing, unnormalized paths, bytes that are not UTF-8) and see exactly what
// the server sends back: each answer, and whether the server closed. Every
// wait has a deadline, so a server that hangs fails a test instead of hanging
// it. Sockets are blocking, close-on-exec. Not thread-safe: one per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace promptjang::testing {

struct RawReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class RawConnection {
 public:
  // Connects to 127.0.0.1:port; connected() tells whether it worked.
  explicit RawConnection(uint16_t port);
  ~RawConnection();
  RawConnection(RawConnection&& other) noexcept;
  RawConnection& operator=(RawConnection&&) = delete;
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Sends every byte; false if the connection is gone (or a send blocked 10 s).
  bool send(std::string_view bytes);
  // The next answer (status line, fields, a Content-Length body; no body for the
  // answer to a HEAD, `head_request`), or nullopt if the connection ends or
  // `timeout` passes first.
  std::optional<RawReply> read_reply(
      std::chrono::milliseconds timeout = std::chrono::milliseconds(5000),
      bool head_request = false);
  // True if the server closes (EOF or reset) within `within`; bytes arriving
  // meanwhile are kept (see unread()).
  bool wait_closed(std::chrono::milliseconds within);
  // Bytes received and not taken by read_reply.
  const std::string& unread() const { return buffer_; }
  void close();

 private:
  // One recv() into buffer_, waiting until `deadline`; false on EOF, error or
  // timeout (closed_ tells EOF/error from timeout).
  bool fill(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  bool closed_ = false;  // the peer closed or reset
  std::string buffer_;
};

// "<method> <target> HTTP/1.1" with Host, the extra header lines (each without
// CRLF) and, if `body` is given, a Content-Length and the body.
std::string raw_request(std::string_view method, std::string_view target,
                        std::initializer_list<std::string_view> headers = {},
                        std::optional<std::string_view> body = std::nullopt);

}  // namespace promptjang::testing
