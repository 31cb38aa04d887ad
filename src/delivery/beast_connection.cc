// Conn; see beast_connection.h.
//
// Set-up: resolve (DnsResolver, or the IP literal as is) -> drop the addresses
// the SSRF guard refuses -> connect to the others in turn, each given an equal
// share of what is left of connect_timeout (so a dead IPv6 route leaves time
// for IPv4) -> TLS handshake. setup_timer_ enforces both the per-address share
// and connect_timeout.
//
// Exchange: the head is serialized into head_ (its capacity is kept) and written
// with the body in one gather write (over TLS a small body is appended to the
// head instead: one record). The answer is read at the same time as the request
// is written, so a server answering early (413 before the whole body) is heard.
// Bytes go through buffer_ into the ResponseParser, which is re-emplaced for
// each message, 1xx ones included.
#include "delivery/beast_connection.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <cerrno>
#include <string_view>
#include <utility>

#include "delivery/beast_resolver.h"
#include "delivery/ssrf_guard.h"

namespace promptjang::beast_detail {
namespace {

using boost::system::error_code;
namespace http = boost::beast::http;

constexpr size_t kReadChunk = 16 * 1024;
// Over TLS, a body up to this size is copied after the head: one TLS record
// instead of two.
constexpr size_t kCoalesceLimit = 16 * 1024;

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

// `lower` is lowercase already.
bool iequals(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (size_t i = 0; i < s.size(); ++i)
    if (ascii_lower(s[i]) != lower[i]) return false;
  return true;
}

bool has_control_break(std::string_view s) {
  for (char c : s)
    if (c == '\r' || c == '\n' || c == '\0') return true;
  return false;
}

// A header that can be written as is (the rule CurlHttpClient applies).
bool writable(const std::string& name, const std::string& value) {
  if (name.empty() || has_control_break(value)) return false;
  for (char c : name)
    if (c == ':' || c == '\r' || c == '\n' || c == '\0') return false;
  return true;
}

// Framing headers the client writes (Content-Length) or never sends.
bool framing(const std::string& name) {
  return iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
         iequals(name, "expect");
}

std::string ms(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

}  // namespace

Conn::Conn(const ConnContext& ctx, ConnOwner& owner, HostPool& pool, const Origin& origin)
    : ctx_(ctx),
      owner_(owner),
      pool_(pool),
      origin_(origin),
      socket_(ctx.ioc),
      setup_timer_(ctx.ioc) {}

void Conn::start_setup(Op& op) {
  op_ = &op;
  state_ = State::resolving;
  setup_deadline_ = SteadyClock::now() + ctx_.options.connect_timeout;
  setup_timer_.expires_at(setup_deadline_);
  setup_timer_.async_wait([self = shared_from_this()](error_code ec) { self->on_setup_timer(ec); });
  if (origin_.literal) {  // no lookup; still reported from a handler, never from here
    asio::post(ctx_.ioc, [self = shared_from_this()] {
      if (self->closed_) return;
      self->endpoints_.assign(1, tcp::endpoint(*self->origin_.literal, self->origin_.port));
      self->screen_and_connect();
    });
    return;
  }
  ctx_.resolver.resolve(origin_.host, origin_.port, [weak = weak_from_this()](Resolved r) {
    if (auto self = weak.lock()) self->on_resolved(std::move(r));
  });
}

void Conn::on_resolved(Resolved r) {
  if (closed_) return;
  if (!r.error.empty()) return fail_setup("dns", "cannot resolve " + origin_.host + ": " + r.error);
  endpoints_ = std::move(r.endpoints);
  screen_and_connect();
}

void Conn::screen_and_connect() {
  if (!ctx_.options.allow_private_targets) {
    std::string refusal;
    std::erase_if(endpoints_, [&](const tcp::endpoint& ep) {
      std::optional<std::string> why = forbidden_reason(ep.data());
      if (why && refusal.empty())
        refusal = "destination " + ep.address().to_string() + " is " + *why +
                  " (refused by the SSRF guard; allow_private_targets lets it through)";
      return why.has_value();
    });
    if (endpoints_.empty()) return fail_setup("refused_by_policy", std::move(refusal));
  }
  state_ = State::connecting;
  connect_next();
}

void Conn::connect_next() {
  while (next_endpoint_ < endpoints_.size()) {
    const tcp::endpoint& ep = endpoints_[next_endpoint_++];
    error_code ec;
    socket_.close(ec);
    socket_.open(ep.protocol(), ec);
    if (ec) {
      last_error_ =
          ep.address().to_string() + " port " + std::to_string(ep.port()) + ": " + ec.message();
      continue;
    }
    const SteadyTime now = SteadyClock::now();
    const size_t left = endpoints_.size() - next_endpoint_ + 1;  // this one included
    attempt_timed_out_ = false;
    setup_timer_.expires_at(left == 1 ? setup_deadline_
                                      : now + (setup_deadline_ - now) / static_cast<int>(left));
    setup_timer_.async_wait([self = shared_from_this()](error_code e) { self->on_setup_timer(e); });
    socket_.async_connect(ep, [self = shared_from_this()](error_code e) { self->on_connect(e); });
    return;
  }
  fail_setup("connection", "cannot connect to " + last_error_);
}

void Conn::on_connect(error_code ec) {
  if (closed_) return;
  if (ec) {
    const tcp::endpoint& ep = endpoints_[next_endpoint_ - 1];
    last_error_ = ep.address().to_string() + " port " + std::to_string(ep.port()) + ": " +
                  (attempt_timed_out_ ? std::string("timed out") : ec.message());
    return connect_next();
  }
  error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  if (origin_.tls) {  // the handshake gets what is left of connect_timeout
    setup_timer_.expires_at(setup_deadline_);
    setup_timer_.async_wait([self = shared_from_this()](error_code e) { self->on_setup_timer(e); });
    return start_handshake();
  }
  setup_timer_.cancel();
  state_ = State::ready;
  Op& op = *op_;
  op_ = nullptr;
  owner_.on_connected(*this, op);
}

void Conn::on_setup_timer(error_code ec) {
  const bool setting_up =
      state_ == State::resolving || state_ == State::connecting || state_ == State::handshaking;
  if (ec || closed_ || !setting_up) return;  // a wait that fired as the set-up ended
  const SteadyTime now = SteadyClock::now();
  if (now < setup_timer_.expiry()) return;  // re-armed since this wait was queued
  if (now >= setup_deadline_)
    return fail_setup("timeout", "no connection within " + ms(ctx_.options.connect_timeout) +
                                     " (connect_timeout), while " + phase());
  // This address had its share: closing makes on_connect() move on to the next.
  attempt_timed_out_ = true;
  error_code ignored;
  socket_.close(ignored);
}

void Conn::start_handshake() {
  state_ = State::handshaking;
  tls_.emplace(std::move(socket_), ctx_.tls);
  if (!origin_.literal) {  // SNI is for names only (RFC 6066)
    if (SSL_set_tlsext_host_name(tls_->native_handle(), origin_.host.c_str()) != 1)
      return fail_setup("tls", "cannot set the TLS server name " + origin_.host);
  }
  tls_->set_verify_callback(asio::ssl::host_name_verification(origin_.host));
  tls_->async_handshake(asio::ssl::stream_base::client,
                        [self = shared_from_this()](error_code ec) { self->on_handshake(ec); });
}

void Conn::on_handshake(error_code ec) {
  if (closed_) return;
  if (ec) {
    std::string detail = "TLS handshake with " + origin_.host + " failed: " + ec.message();
    const long verify = SSL_get_verify_result(tls_->native_handle());
    if (verify != X509_V_OK)
      detail += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
    return fail_setup("tls", std::move(detail));
  }
  setup_timer_.cancel();
  state_ = State::ready;
  Op& op = *op_;
  op_ = nullptr;
  owner_.on_connected(*this, op);
}

void Conn::fail_setup(const char* kind, std::string detail) {
  Op& op = *op_;
  op_ = nullptr;
  close();
  owner_.on_setup_failed(*this, op, kind, std::move(detail));
}

void Conn::exchange(Op& op) {
  op_ = &op;
  ++exchanges_;
  state_ = State::sending;
  write_done_ = false;
  got_bytes_ = false;
  header_bytes_ = 0;
  next_message();
  build_head(op);
  auto on_write = [self = shared_from_this()](error_code ec, size_t) { self->on_written(ec); };
  const std::string& body = op.request.body;
  const std::array<asio::const_buffer, 2> both{asio::buffer(head_), asio::buffer(body)};
  if (!tls_) {
    asio::async_write(socket_, both, std::move(on_write));
  } else if (body.size() <= kCoalesceLimit) {
    head_ += body;
    asio::async_write(*tls_, asio::buffer(head_), std::move(on_write));
  } else {
    asio::async_write(*tls_, both, std::move(on_write));
  }
  read_more();
}

void Conn::build_head(const Op& op) {
  const HeaderList& headers = op.request.headers;
  bool has_host = false;
  bool has_agent = false;
  for (const auto& [name, value] : headers) {
    if (iequals(name, "host") && writable(name, value)) has_host = true;
    if (iequals(name, "user-agent") && writable(name, value)) has_agent = true;
  }
  head_.clear();
  head_.append("POST ").append(op.target).append(" HTTP/1.1\r\n");
  if (!has_host) head_.append("Host: ").append(origin_.host_header).append("\r\n");
  if (!has_agent && !ctx_.options.user_agent.empty())
    head_.append("User-Agent: ").append(ctx_.options.user_agent).append("\r\n");
  bool dropped = false;
  for (const auto& [name, value] : headers) {
    if (!writable(name, value)) {
      dropped = true;
      continue;
    }
    if (framing(name)) continue;
    head_.append(name).append(": ").append(value).append("\r\n");
  }
  head_.append("Content-Length: ")
      .append(std::to_string(op.request.body.size()))
      .append("\r\n\r\n");
  if (dropped)
    ctx_.logger.warn("sender: dropped a header with a control character or bad name to {}",
                     op.request.url);
}

void Conn::on_written(error_code ec) {
  if (closed_ || op_ == nullptr) return;
  if (ec) {
    // With part of an answer in (an early one), the read decides the outcome.
    if (!got_bytes_) fail_exchange("cannot send the request: " + ec.message(), true);
    return;
  }
  write_done_ = true;
  if (state_ == State::sending) state_ = State::awaiting;
}

void Conn::read_more() {
  auto on_read = [self = shared_from_this()](error_code ec, size_t n) { self->on_read(ec, n); };
  const auto space = buffer_.prepare(kReadChunk);
  if (tls_) {
    tls_->async_read_some(space, std::move(on_read));
  } else {
    socket_.async_read_some(space, std::move(on_read));
  }
}

void Conn::on_read(error_code ec, size_t n) {
  if (closed_ || op_ == nullptr) return;
  if (ec) return on_read_error(ec);
  buffer_.commit(n);
  if (!got_bytes_) {
    got_bytes_ = true;
    state_ = State::receiving;
  }
  parse();
}

void Conn::on_read_error(error_code ec) {
  const bool eof = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
  if (eof && parser_->need_eof()) {  // a body that runs to the end of the connection
    error_code pec;
    parser_->put_eof(pec);
    if (!pec && parser_->is_done()) return answered(false);
  }
  if (!got_bytes_)
    return fail_exchange(eof ? std::string("the server closed the connection without answering")
                             : "the connection broke before any answer: " + ec.message(),
                         true);
  fail_exchange(eof ? std::string("the connection closed before the end of the answer")
                    : "the connection broke mid-answer: " + ec.message(),
                false);
}

void Conn::parse() {
  while (buffer_.size() > 0) {
    error_code ec;
    const size_t used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    message_bytes_ += used;
    if (parser_->cut()) return answered(false);
    if (ec == http::error::need_more) break;
    if (ec == http::error::header_limit)
      return fail_exchange(
          "response headers over " + std::to_string(kMaxResponseHeaderBytes) + " bytes", false);
    if (ec) return fail_exchange("malformed answer: " + ec.message(), false);
    if (parser_->is_done()) {
      if (parser_->status() / 100 != 1)
        return answered(write_done_ && parser_->keep_alive() && buffer_.size() == 0);
      header_bytes_ += message_bytes_;  // an interim answer: the final one follows
      if (header_bytes_ >= kMaxResponseHeaderBytes)
        return fail_exchange(
            "response headers over " + std::to_string(kMaxResponseHeaderBytes) + " bytes", false);
      next_message();
      continue;
    }
    if (used == 0) break;
  }
  // Only header, chunk-size and trailer lines wait unparsed in buffer_ (body
  // bytes are taken as they come): bound them like the headers.
  if (buffer_.size() > kMaxResponseHeaderBytes)
    return fail_exchange("response headers or framing lines over " +
                             std::to_string(kMaxResponseHeaderBytes) + " bytes",
                         false);
  read_more();
}

void Conn::next_message() {
  parser_.emplace(op_->result, kMaxResponseHeaderBytes - header_bytes_);
  message_bytes_ = 0;
}

void Conn::answered(bool reusable) {
  Op& op = *op_;
  op_ = nullptr;
  op.result.status_code = parser_->status();
  state_ = State::ready;
  owner_.on_answered(*this, op, reusable);
}

void Conn::fail_exchange(std::string detail, bool before_answer) {
  Op& op = *op_;
  op_ = nullptr;
  const bool stale = before_answer && exchanges_ > 1;
  close();
  owner_.on_exchange_failed(*this, op, std::move(detail), stale);
}

void Conn::abandon() {
  op_ = nullptr;
  close();
}

void Conn::close() {
  if (closed_) return;
  closed_ = true;
  error_code ignored;
  socket().close(ignored);
  setup_timer_.cancel();
}

bool Conn::peer_gone() {
  char byte;
  const ssize_t n = ::recv(socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n >= 0) return true;  // closed (0), or bytes nobody asked for
  return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
}

const char* Conn::phase() const {
  switch (state_) {
    case State::resolving:
      return "resolving the host name";
    case State::connecting:
      return "connecting";
    case State::handshaking:
      return "in the TLS handshake";
    case State::ready:
      return "idle";
    case State::sending:
      return "sending the request";
    case State::awaiting:
      return "waiting for the answer";
    case State::receiving:
      return "reading the answer";
  }
  return "?";
}

}  // namespace promptjang::beast_detail
