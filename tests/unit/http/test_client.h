// A raw HTTP/1.1 client over a blocking POSIX socket, for the server tests: it
// sends exactly the bytes a test gives it (half headers, bad syntax, pipelined
// requests) and parses answers by hand. Every read gives up after a few seconds,
// so a broken server fails a test instead of hanging it.
// Thread safety: one TestClient per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace promptjang::testing {

struct TestReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class TestClient {
 public:
  // Connects to 127.0.0.1:port; connected() tells whether it worked.
  explicit TestClient(uint16_t port,
                      std::chrono::milliseconds read_timeout = std::chrono::seconds(5));
  ~TestClient();
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool send(std::string_view bytes);
  // One answer: status line, fields and Content-Length body (no body when
  // `head_request`, for the answer to a HEAD); nullopt if the connection ends or
  // the read times out first.
  std::optional<TestReply> read_reply(bool head_request = false);
  // True if the server closes (EOF or reset) within `within`, discarding any
  // bytes that arrive meanwhile.
  bool closed_by_peer(std::chrono::milliseconds within);
  void close();

 private:
  bool fill();  // one recv() into buffer_; false on EOF, error or timeout

  int fd_ = -1;
  std::string buffer_;
};

// "GET {target} HTTP/1.1" with a Host field and nothing else.
std::string get_request(std::string_view target);
// A POST with a Content-Length body.
std::string post_request(std::string_view target, std::string_view body);

}  // namespace promptjang::testing
