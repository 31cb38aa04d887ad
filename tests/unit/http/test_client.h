// The raw HTTP/1.1 client of the server tests: tests/support/raw_client.h's
// RawConnection (exact bytes out, answers parsed by hand, every wait bounded)
// with one read timeout for the whole connection, as these tests use it.
// Thread safety: one TestClient per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "support/raw_client.h"

namespace promptjang::testing {

using TestReply = RawReply;

class TestClient {
 public:
  // Connects to 127.0.0.1:port; connected() tells whether it worked.
  explicit TestClient(uint16_t port,
                      std::chrono::milliseconds read_timeout = std::chrono::seconds(5))
      : conn_(port), read_timeout_(read_timeout) {}

  bool connected() const { return conn_.connected(); }
  bool send(std::string_view bytes) { return conn_.send(bytes); }
  // One answer (no body when `head_request`, for the answer to a HEAD);
  // nullopt if the connection ends or the read times out first.
  std::optional<TestReply> read_reply(bool head_request = false) {
    return conn_.read_reply(read_timeout_, head_request);
  }
  // True if the server closes (EOF or reset) within `within`.
  bool closed_by_peer(std::chrono::milliseconds within) { return conn_.wait_closed(within); }
  void close() { conn_.close(); }

 private:
  RawConnection conn_;
  std::chrono::milliseconds read_timeout_;
};

// "GET {target} HTTP/1.1" with a Host field and nothing else.
inline std::string get_request(std::string_view target) { return raw_request("GET", target); }
// A POST with a JSON Content-Length body.
inline std::string post_request(std::string_view target, std::string_view body) {
  return raw_request("POST", target, {"Content-Type: application/json"}, body);
}

}  // namespace promptjang::testing
