// TlsServer; see tls_server.h. Beast and coroutines, one session per connection.
#include "unit/delivery/tls_server.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace promptjang::testing {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

// A self-signed certificate for DNS:localhost, and its key.
void make_certificate(EVP_PKEY*& key, X509*& cert) {
  key = EVP_EC_gen("P-256");
  cert = X509_new();
  if (!key || !cert) throw std::runtime_error("TlsServer: cannot make a key");
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "DNS:localhost");
  X509_add_ext(cert, san, -1);
  X509_EXTENSION_free(san);
  if (X509_sign(cert, key, EVP_sha256()) == 0)
    throw std::runtime_error("TlsServer: cannot sign the certificate");
}

}  // namespace

struct TlsServer::Impl {
  asio::io_context ioc{1};
  asio::ssl::context tls{asio::ssl::context::tls_server};
  tcp::acceptor acceptor{ioc};
  std::string cert_path;
  uint16_t port = 0;
  std::thread thread;
  mutable std::mutex mu;
  int connections = 0;                    // guarded by mu
  std::vector<std::string> server_names;  // guarded by mu
  std::vector<std::string> bodies;        // guarded by mu

  asio::awaitable<void> accept_loop() {
    for (;;) {
      tcp::socket socket = co_await acceptor.async_accept(asio::use_awaitable);
      {
        std::lock_guard lock(mu);
        ++connections;
      }
      asio::co_spawn(ioc, session(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> session(tcp::socket socket) {
    try {
      asio::ssl::stream<tcp::socket> stream(std::move(socket), tls);
      co_await stream.async_handshake(asio::ssl::stream_base::server, asio::use_awaitable);
      const char* sni = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
      {
        std::lock_guard lock(mu);
        server_names.emplace_back(sni ? sni : "");
      }
      boost::beast::flat_buffer buffer;
      for (;;) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
        {
          std::lock_guard lock(mu);
          bodies.push_back(parser.get().body());
        }
        http::response<http::string_body> res{http::status::ok, 11};
        res.body() = "tls ok";
        res.prepare_payload();
        co_await http::async_write(stream, res, asio::use_awaitable);
      }
    } catch (const std::exception&) {  // the client went away, or failed the handshake
    }
  }
};

TlsServer::TlsServer() : impl_(std::make_unique<Impl>()) {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  make_certificate(key, cert);
  char path[] = "/tmp/pj_tls_server_XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0) throw std::runtime_error("TlsServer: mkstemp failed");
  FILE* f = ::fdopen(fd, "w");
  PEM_write_X509(f, cert);
  std::fclose(f);
  impl_->cert_path = path;
  SSL_CTX_use_certificate(impl_->tls.native_handle(), cert);
  SSL_CTX_use_PrivateKey(impl_->tls.native_handle(), key);
  X509_free(cert);
  EVP_PKEY_free(key);

  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  impl_->port = impl_->acceptor.local_endpoint().port();
  asio::co_spawn(impl_->ioc, impl_->accept_loop(), asio::detached);
  impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

TlsServer::~TlsServer() {
  impl_->ioc.stop();
  impl_->thread.join();
  ::unlink(impl_->cert_path.c_str());
}

uint16_t TlsServer::port() const { return impl_->port; }
std::string TlsServer::cert_file() const { return impl_->cert_path; }

int TlsServer::connections() const {
  std::lock_guard lock(impl_->mu);
  return impl_->connections;
}

std::vector<std::string> TlsServer::server_names() const {
  std::lock_guard lock(impl_->mu);
  return impl_->server_names;
}

std::vector<std::string> TlsServer::bodies() const {
  std::lock_guard lock(impl_->mu);
  return impl_->bodies;
}

}  // namespace promptjang::testing
