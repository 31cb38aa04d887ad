// TlsServer: an HTTPS receiver on 127.0.0.1, port 0, for the BeastHttpClient
// tests. It makes a fresh self-signed certificate for "localhost" (P-256) and
// writes it to cert_file(), so a client can be made to trust it through
// SSL_CERT_FILE; it answers every request "200 tls ok" over kept-alive
// connections and records what it saw (connections, SNI names, request bodies).
//
// Threads: one I/O thread of its own; the accessors lock. The destructor stops
// the thread and removes the certificate file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace promptjang::testing {

class TlsServer {
 public:
  TlsServer();
  ~TlsServer();
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;

  uint16_t port() const;
  std::string cert_file() const;                  // PEM of the self-signed certificate
  int connections() const;                        // TCP connections accepted
  std::vector<std::string> server_names() const;  // SNI of each handshake ("" when none)
  std::vector<std::string> bodies() const;        // of each request answered

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace promptjang::testing
