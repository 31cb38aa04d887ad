// The pieces of BeastHttpClient below its pool: Op (one send, from send() to
// its callback), Origin (where a connection goes) and Conn (one kept-alive
// HTTP/1.1 connection, plain or TLS: set-up, then one exchange at a time).
//
// Threads: everything here lives on the client thread (beast_client.h); no
// locks, no strands. A Conn is owned through shared_ptr by the pool and by
// each of its pending Asio handlers, so a handler that runs after the pool let
// go of it finds it closed (closed_) and returns.
//
// Invariants: a Conn works for at most one Op at a time (op_), and reports back
// to its ConnOwner exactly once per set-up and once per exchange, always from an
// Asio handler (never from inside start_setup() or exchange()), after letting go
// of the Op. It reports an exchange as reusable only when the whole request was
// written and the whole answer read, with keep-alive and no stray bytes left.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/intrusive/list.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/log.h"
#include "delivery/beast_client.h"
#include "delivery/beast_resolver.h"
#include "delivery/beast_response_parser.h"
#include "delivery/http_client.h"

namespace promptjang::beast_detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
using SteadyTime = SteadyClock::time_point;
using AutoHook =
    boost::intrusive::list_member_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>>;
template <typename T, AutoHook T::*Hook>
using HookList = boost::intrusive::list<T, boost::intrusive::member_hook<T, AutoHook, Hook>,
                                        boost::intrusive::constant_time_size<false>>;

class Conn;
struct HostPool;  // beast_pool.h

// The (scheme, host, port) a pool and its connections are for.
struct Origin {
  std::string key;  // "https://example.com:443", host lowercased
  bool tls = false;
  std::string host;  // as in the URL; an IPv6 literal without brackets
  uint16_t port = 0;
  std::string host_header;                   // "example.com", "[::1]:8080"
  std::optional<asio::ip::address> literal;  // when host is an IP literal
};

struct Op {
  OutboundRequest request;
  std::function<void(OutboundResult)> done;
  OutboundResult result;
  std::string target;  // the request target: path and query
  HostPool* pool = nullptr;
  Conn* conn = nullptr;    // the connection setting up or exchanging for it
  SteadyTime deadline;     // started + total_timeout
  bool retried = false;    // sent again once after a stale kept-alive connection
  AutoHook deadline_hook;  // Loop::active_ (beast_client.cc): from start to completion
  AutoHook wait_hook;      // HostPool::waiting: waiting for a connection
};

// What every connection shares: the client's settings and services.
struct ConnContext {
  const BeastClientOptions& options;
  asio::io_context& ioc;
  asio::ssl::context& tls;
  DnsResolver& resolver;
  Logger& logger;
};

// The pool, as a Conn sees it. Each call hands the Op back (conn.op_ is null).
class ConnOwner {
 public:
  virtual void on_connected(Conn& conn, Op& op) = 0;
  virtual void on_setup_failed(Conn& conn, Op& op, const char* kind, std::string detail) = 0;
  // op.result holds the status, headers and body.
  virtual void on_answered(Conn& conn, Op& op, bool reusable) = 0;
  // No usable answer ("connection"); `stale` when the connection had been used
  // before and not a byte of this answer came (the server dropped it while idle).
  virtual void on_exchange_failed(Conn& conn, Op& op, std::string detail, bool stale) = 0;

 protected:
  ~ConnOwner() = default;
};

class Conn : public std::enable_shared_from_this<Conn> {
 public:
  Conn(const ConnContext& ctx, ConnOwner& owner, HostPool& pool, const Origin& origin);
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  HostPool& pool() const { return pool_; }

  // Resolves, screens the addresses (SSRF guard), connects and, for https,
  // shakes hands, all within connect_timeout; then on_connected(op).
  void start_setup(Op& op);
  // Writes op's request and reads the answer into op.result.
  void exchange(Op& op);
  // Lets go of the current Op (if any) without reporting it, and closes.
  void abandon();
  // Closes the socket; pending handlers then run and return. Idempotent.
  void close();
  // For an idle connection: whether the peer already closed it or sent
  // something unasked (checked without blocking).
  bool peer_gone();
  // What the connection is doing, for a timeout's detail.
  const char* phase() const;

  SteadyTime idle_since;
  AutoHook idle_hook;  // HostPool::idle
  AutoHook lru_hook;   // Pool::idle_lru_

 private:
  enum class State { resolving, connecting, handshaking, ready, sending, awaiting, receiving };

  tcp::socket& socket() { return tls_ ? tls_->next_layer() : socket_; }
  void on_resolved(Resolved r);
  void screen_and_connect();
  void connect_next();
  void on_connect(boost::system::error_code ec);
  void on_setup_timer(boost::system::error_code ec);
  void start_handshake();
  void on_handshake(boost::system::error_code ec);
  void fail_setup(const char* kind, std::string detail);
  void build_head(const Op& op);
  void on_written(boost::system::error_code ec);
  void read_more();
  void on_read(boost::system::error_code ec, size_t n);
  void on_read_error(boost::system::error_code ec);
  void parse();
  void next_message();
  void answered(bool reusable);
  void fail_exchange(std::string detail, bool before_answer);

  const ConnContext& ctx_;
  ConnOwner& owner_;
  HostPool& pool_;
  const Origin& origin_;

  tcp::socket socket_;                                 // until the TLS stream takes it
  std::optional<asio::ssl::stream<tcp::socket>> tls_;  // https, after connect
  State state_ = State::resolving;
  bool closed_ = false;
  Op* op_ = nullptr;

  // Set-up.
  asio::steady_timer setup_timer_;
  SteadyTime setup_deadline_;
  std::vector<tcp::endpoint> endpoints_;  // screened
  size_t next_endpoint_ = 0;
  bool attempt_timed_out_ = false;
  std::string last_error_;

  // Exchanges.
  size_t exchanges_ = 0;
  bool write_done_ = false;
  bool got_bytes_ = false;    // of this exchange's answer
  size_t header_bytes_ = 0;   // of this exchange's 1xx answers
  size_t message_bytes_ = 0;  // of the answer being parsed
  std::string head_;          // the request head (and, over TLS, a small body)
  boost::beast::flat_buffer buffer_;
  std::optional<ResponseParser> parser_;
};

}  // namespace promptjang::beast_detail
