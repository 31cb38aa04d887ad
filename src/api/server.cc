// HttpServer on Boost.Beast + Asio with C++20 coroutines; see server.h.
//
// Threads: one io_context run by `options.threads` threads. Every connection is
// one coroutine (Session::run) bound to its own strand, so a session's socket,
// timers and fields are only ever touched on that strand while the I/O threads
// share the load; the acceptor has a strand of its own. One io_context with
// strands (rather than one io_context per thread) lets any idle thread pick up
// any connection, and a handler that answers from another thread posts back to
// the session's strand without knowing which thread it will run on.
//
// A request, step by step: the header is read with an empty_body parser under
// header_timeout (idle_timeout while waiting for the first byte of a keep-alive
// request), max_header_bytes -> 431, malformed -> 400, framing that a proxy in
// front could read differently (framing_problem: smuggling) -> 400 and close.
// The header alone goes to handler.preflight(): an early answer is sent at once
// (closing the connection if a body is left unread), otherwise the body limit it
// returns is enforced before reading (Content-Length -> 413 without reading)
// and while reading (chunked -> 413), under body_timeout. Then handler.handle()
// answers through Respond. The answer keeps the connection open as the request
// asked (HTTP/1.1 by default, HTTP/1.0 only with Connection: keep-alive) unless
// the handler or stop() says close. A HEAD is handled like a GET, and its
// answer sent without the body.
//
// The Respond bridge: each request gets a ResponseSlot shared by the session and
// the Respond closure. Respond (any thread) stores the answer under the slot's
// mutex and posts a wake-up to the session's strand, where the session waits on a
// steady_timer used as an event. The session closes the slot once it stops
// waiting (and in ~Session): a closed slot drops a late answer and holds no
// executor, so a Respond called after the session, or the whole server, is gone
// is harmless. A Respond dropped without being called answers 500.
//
// Shutdown: stop() marks the server stopping, closes the acceptor and closes the
// sessions idle between requests; busy ones finish their request and answer it
// with Connection: close. It waits up to drain_timeout for the session registry to
// empty, then aborts what is left (socket closed, pending Respond abandoned),
// waits a short grace period, and only as a last resort stops the io_context. The
// I/O threads then run out of work and are joined. No session outlives stop().
//
// Every request gets an id (the client's X-Request-Id when usable, else one
// from options.request_ids), answered in X-Request-Id; once its answer is
// written, the observer (logs, metrics) is told of it with its status, sizes and
// duration. Requests in flight (header read, answer not written) are counted.
//
// Closing after an answer is a "lingering close": shut down our sending side and
// drain what the client still sends (for at most kLingerTimeout), so unread
// request bytes (a refused body, a pipelined request) do not make the kernel
// reset the connection and drop the answer before the client has read it.
#include "api/server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <sstream>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "api/errors.h"

#ifndef PJ_VERSION
#define PJ_VERSION "dev"
#endif

namespace promptjang {
namespace http_detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;

// Completion token: errors come back as values, never as exceptions.
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

constexpr std::string_view kServerName = "PromptJang/" PJ_VERSION;
constexpr std::chrono::seconds kLingerTimeout{2};  // draining a closing connection
constexpr std::chrono::seconds kCancelGrace{2};    // for aborted sessions to finish
constexpr std::chrono::milliseconds kAcceptRetryPause{50};
constexpr size_t kReadChunk = 4096;
constexpr size_t kMaxRefusing = kMaxRefusedConnections;

class Session;

// One request's answer, shared by the session and the Respond closure handed to
// the handler (which may outlive the session). deliver() may run on any thread;
// take() and close() run on the session's strand (or once no I/O thread is left).
class ResponseSlot : public std::enable_shared_from_this<ResponseSlot> {
 public:
  ResponseSlot(asio::any_io_executor strand, std::weak_ptr<Session> session)
      : strand_(std::move(strand)), session_(std::move(session)) {}

  // Stores the answer and wakes the session; the first call wins, and a call on
  // a closed slot is dropped.
  void deliver(HttpResponse response);

  std::optional<HttpResponse> take() {
    std::lock_guard lock(mu_);
    std::optional<HttpResponse> r = std::move(response_);
    response_.reset();
    return r;
  }

  // After this, deliver() posts nothing: the session no longer waits.
  void close() {
    std::lock_guard lock(mu_);
    answered_ = true;
    strand_.reset();
  }

  bool answered() {
    std::lock_guard lock(mu_);
    return answered_;
  }

 private:
  std::mutex mu_;
  bool answered_ = false;                        // guarded by mu_
  std::optional<HttpResponse> response_;         // guarded by mu_
  std::optional<asio::any_io_executor> strand_;  // guarded by mu_; empty once closed
  const std::weak_ptr<Session> session_;
};

// Held by every copy of one Respond: if the last copy goes without an answer,
// the client still gets one.
struct RespondToken {
  explicit RespondToken(std::shared_ptr<ResponseSlot> s) : slot(std::move(s)) {}
  ~RespondToken() {
    if (!slot->answered())
      slot->deliver(error_response(500, "internal", "the request was dropped without an answer"));
  }
  RespondToken(const RespondToken&) = delete;
  RespondToken& operator=(const RespondToken&) = delete;
  std::shared_ptr<ResponseSlot> slot;
};

class ServerCore {
 public:
  ServerCore(ServerOptions options, HttpHandler& handler, Logger& logger);
  ~ServerCore() { stop(); }

  Status start();
  void stop();
  uint16_t port() const { return port_.load(); }
  size_t connection_count() const {
    std::lock_guard lock(sessions_mu_);
    return sessions_.size();
  }
  size_t requests_in_flight() const { return in_flight_.load(std::memory_order_relaxed); }

  // For sessions.
  const ServerOptions& options() const { return options_; }
  HttpHandler& handler() { return handler_; }
  Logger& logger() { return logger_; }
  bool stopping() const { return stopping_.load(); }
  void unregister_session(uint64_t id, bool serving);
  std::string next_request_id() {
    if (options_.request_ids) return options_.request_ids();
    return "req_" + std::to_string(request_counter_.fetch_add(1, std::memory_order_relaxed) + 1);
  }
  void request_started() { in_flight_.fetch_add(1, std::memory_order_relaxed); }
  void request_ended() { in_flight_.fetch_sub(1, std::memory_order_relaxed); }

 private:
  awaitable<void> accept_loop();
  void accept(tcp::socket socket);
  std::vector<std::shared_ptr<Session>> snapshot_sessions();
  // Posts fn(session) to every live session's strand.
  template <typename Fn>
  void for_each_session(Fn fn);
  // True once no session is left, false if `bound` passed first.
  bool wait_for_no_sessions(std::chrono::milliseconds bound);
  void run_io();

  const ServerOptions options_;
  HttpHandler& handler_;
  Logger& logger_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint16_t> port_{0};
  std::atomic<size_t> serving_{0};            // sessions counted against max_connections
  std::atomic<size_t> in_flight_{0};          // requests read and not yet answered
  std::atomic<uint64_t> request_counter_{0};  // ids when options_.request_ids is unset

  mutable std::mutex sessions_mu_;
  std::condition_variable sessions_cv_;                            // signalled when one ends
  std::unordered_map<uint64_t, std::weak_ptr<Session>> sessions_;  // guarded by sessions_mu_
  uint64_t next_session_id_ = 1;                                   // acceptor strand only
  bool refusing_ = false;  // acceptor strand only: at the cap (logged once per episode)

  std::mutex lifecycle_mu_;  // serializes start() and stop()
  enum class State { kNew, kRunning, kStopped };
  State state_ = State::kNew;  // guarded by lifecycle_mu_
  std::vector<std::thread> threads_;

  // Declared last so they are destroyed first: should a forced stop leave
  // coroutines behind, the io_context destroys them while the registry above,
  // which their sessions unregister from, still exists.
  asio::io_context ioc_;
  asio::strand<asio::io_context::executor_type> acceptor_strand_;
  tcp::acceptor acceptor_;
};

// One connection. Everything but the constructor, the destructor and
// executor() runs on the session's strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  enum class Mode { kServe, kRefuse };  // kRefuse: answer 503 and close

  Session(ServerCore& core, tcp::socket socket, uint64_t id, Mode mode)
      : core_(core),
        id_(id),
        mode_(mode),
        strand_(socket.get_executor()),
        stream_(std::move(socket)),
        respond_timer_(strand_) {
    beast::error_code ec;
    auto remote = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_address_ = remote.address().to_string();
    stream_.socket().set_option(tcp::no_delay(true), ec);
  }

  ~Session() {
    if (in_flight_) core_.request_ended();
    if (slot_) slot_->close();
    core_.unregister_session(id_, mode_ == Mode::kServe);
  }

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const asio::any_io_executor& executor() const { return strand_; }

  // The coroutine root: the one place a session's exceptions are caught.
  awaitable<void> run();

  // stop(): a connection waiting for its next request is closed at once.
  void close_if_idle() {
    if (phase_ == Phase::kIdle) close_socket();
  }

  // stop() after drain_timeout: give up on whatever the session is doing.
  void abort() {
    aborted_ = true;
    respond_timer_.cancel();
    close_socket();
  }

  // Posted by ResponseSlot::deliver.
  void on_response_ready(const ResponseSlot* slot) {
    if (slot == slot_.get()) respond_timer_.cancel();
  }

  // Only once no I/O thread is left (a forced stop): drop any pending answer.
  void close_slot() {
    if (slot_) slot_->close();
  }

 private:
  enum class Phase { kIdle, kBusy, kHandling, kLinger };

  awaitable<void> serve();
  awaitable<std::optional<HttpResponse>> wait_for_response(std::shared_ptr<ResponseSlot> slot);
  // Writes the answer; true if the connection stays open for the next request.
  awaitable<bool> send(HttpResponse response, unsigned version, bool keep_alive);
  awaitable<void> linger();
  // The answer is written (or failed): the request is no longer in flight, and
  // the observer hears of it.
  void report(int status, size_t bytes_out,
              const std::vector<std::pair<std::string, std::string>>& log_fields);
  void close_socket() {
    beast::error_code ec;
    stream_.socket().close(ec);
  }

  ServerCore& core_;
  const uint64_t id_;
  const Mode mode_;
  const asio::any_io_executor strand_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  asio::steady_timer respond_timer_;    // an event: cancelled when the answer is ready
  std::shared_ptr<ResponseSlot> slot_;  // the request being handled, if any
  std::string remote_address_;
  Phase phase_ = Phase::kBusy;
  bool aborted_ = false;
  bool owes_answer_ = false;   // a request was read and nothing was written for it yet
  bool head_request_ = false;  // the request being answered is a HEAD
  // The request being answered, for its X-Request-Id and the observer.
  std::string request_id_;
  std::string method_, path_;
  size_t bytes_in_ = 0;
  std::chrono::steady_clock::time_point started_{};
  bool in_flight_ = false;  // counted in the server's requests in flight
  std::array<char, kReadChunk> scratch_{};
};

void ResponseSlot::deliver(HttpResponse response) {
  std::lock_guard lock(mu_);
  if (answered_) return;
  answered_ = true;
  if (!strand_) return;
  response_ = std::move(response);
  // post() never runs the function inline, so posting under the lock is safe;
  // the lock keeps close() (and with it the session and io_context) from
  // completing meanwhile.
  asio::post(*strand_, [self = shared_from_this()] {
    if (auto session = self->session_.lock()) session->on_response_ready(self.get());
  });
}

namespace {

std::string to_std(beast::string_view s) { return std::string(s.data(), s.size()); }

bool is_http_error(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category();
}

// A protocol violation worth a 400 (as opposed to the peer leaving).
bool is_malformed(const beast::error_code& ec) {
  return is_http_error(ec) && ec != http::error::end_of_stream &&
         ec != http::error::partial_message && ec != http::error::need_more &&
         ec != http::error::need_buffer;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Refuses a handler header that would break the framing of the answer.
bool is_safe_field(std::string_view name, std::string_view value) {
  if (name.empty()) return false;
  for (char c : name)
    if (c <= ' ' || c == ':' || c == 0x7f) return false;
  for (char c : value)
    if (c == '\r' || c == '\n' || c == '\0') return false;
  return true;
}

HttpRequest make_request(const http::request_header<>& head, const std::string& remote,
                         const std::string& request_id) {
  HttpRequest r;
  r.request_id = request_id;
  r.method = to_std(head.method_string());
  std::string target = to_std(head.target());
  const size_t q = target.find('?');
  if (q == std::string::npos) {
    r.path = std::move(target);
  } else {
    r.path = target.substr(0, q);
    r.query = target.substr(q + 1);
  }
  for (const auto& field : head) r.headers.add(to_std(field.name_string()), to_std(field.value()));
  r.remote_address = remote;
  return r;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Request smuggling: a proxy in front and this server must never disagree on
// where a request's body ends, or what one takes for a body the other reads as
// a second request. Beast refuses Content-Length with chunked and two different
// lengths; this refuses what it lets through: a repeated Content-Length (equal
// values, or a list "4, 4"), and any Transfer-Encoding other than a single
// "chunked" — Beast reads "gzip", "chunked, identity" or "identity" with a
// Content-Length as no chunked body at all, and would parse the body that
// follows as the next request. Transfer-Encoding on HTTP/1.0 is refused too
// (RFC 9112 §6.1). The reason, or nullopt when the framing is unambiguous.
std::optional<std::string_view> framing_problem(const http::request_header<>& head) {
  int lengths = 0, encodings = 0;
  for (const auto& field : head) {
    if (field.name() == http::field::content_length) {
      ++lengths;
      if (field.value().find(',') != beast::string_view::npos)
        return "a list of values in Content-Length";
    } else if (field.name() == http::field::transfer_encoding) {
      ++encodings;
      const beast::string_view v = field.value();
      if (!iequals(trim(std::string_view(v.data(), v.size())), "chunked"))
        return "a Transfer-Encoding other than chunked";
    }
  }
  if (lengths > 1) return "more than one Content-Length";
  if (encodings > 1) return "more than one Transfer-Encoding";
  if (encodings > 0 && lengths > 0) return "both Content-Length and Transfer-Encoding";
  if (encodings > 0 && head.version() < 11) return "Transfer-Encoding in an HTTP/1.0 request";
  return std::nullopt;
}

HttpResponse too_large(size_t limit) {
  return error_response(
      413, "payload_too_large",
      "the request body is larger than the limit of " + std::to_string(limit) + " bytes");
}

std::string endpoint_text(const tcp::endpoint& ep) {
  std::ostringstream out;
  out << ep;
  return out.str();
}

awaitable<void> run_session(std::shared_ptr<Session> session) { co_await session->run(); }

}  // namespace

awaitable<void> Session::run() {
  std::string failure;
  try {
    if (mode_ == Mode::kRefuse) {
      co_await send(error_response(503, "unavailable", "too many connections"), 11, false);
    } else {
      co_await serve();
    }
  } catch (const std::exception& e) {
    failure = e.what();
    if (failure.empty()) failure = "exception";
  } catch (...) {
    failure = "unknown exception";
  }
  if (!failure.empty()) {
    core_.logger().error("http: connection {} from {} failed: {}", id_, remote_address_, failure);
    if (owes_answer_ && !aborted_) {
      try {
        co_await send(error_response(500, "internal", "internal error"), 11, false);
      } catch (...) {
        // Nothing more can be done for this client.
      }
    }
  }
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  close_socket();
}

awaitable<void> Session::serve() {
  const ServerOptions& opt = core_.options();
  const uint32_t header_limit = static_cast<uint32_t>(
      std::min<size_t>(opt.max_header_bytes, std::numeric_limits<uint32_t>::max()));
  bool first = true;
  for (;;) {
    if (core_.stopping() && buffer_.size() == 0) co_return;

    // Wait for the next request. For the first one, header_timeout covers the
    // wait and the header; for later ones idle_timeout covers the wait.
    if (buffer_.size() == 0) {
      phase_ = Phase::kIdle;
      stream_.expires_after(first ? opt.header_timeout : opt.idle_timeout);
      auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(kReadChunk), kNoThrow);
      phase_ = Phase::kBusy;
      if (ec) co_return;  // idle timeout, the peer left, or stop() closed us
      buffer_.commit(n);
      if (!first) stream_.expires_after(opt.header_timeout);
    } else {
      stream_.expires_after(opt.header_timeout);  // a pipelined request
    }
    first = false;
    head_request_ = false;

    http::request_parser<http::empty_body> head_parser;
    head_parser.header_limit(header_limit);
    head_parser.body_limit(boost::none);  // preflight decides, below
    {
      auto [ec, n] = co_await http::async_read_header(stream_, buffer_, head_parser, kNoThrow);
      if (ec == http::error::header_limit) {
        co_await send(error_response(431, "header_too_large",
                                     "the request header is larger than " +
                                         std::to_string(opt.max_header_bytes) + " bytes"),
                      11, false);
        co_return;
      }
      if (is_malformed(ec)) {
        co_await send(error_response(400, "bad_request", "malformed HTTP request: " + ec.message()),
                      11, false);
        co_return;
      }
      if (ec) co_return;  // header timeout, or the peer left
    }

    const auto& head = head_parser.get();
    started_ = std::chrono::steady_clock::now();
    if (auto id = head.find("X-Request-Id");
        id != head.end() &&
        is_usable_request_id(std::string_view(id->value().data(), id->value().size())))
      request_id_ = to_std(id->value());
    else
      request_id_ = core_.next_request_id();
    method_ = to_std(head.method_string());
    path_ = to_std(head.target().substr(0, head.target().find('?')));
    in_flight_ = true;
    core_.request_started();
    if (auto problem = framing_problem(head)) {
      // Closed after the answer, so nothing after this header is read as a request.
      co_await send(
          error_response(400, "bad_request", "malformed HTTP request: " + std::string(*problem)),
          11, false);
      co_return;
    }
    const unsigned version = head.version();
    head_request_ = head.method() == http::verb::head;
    const bool keep_alive = head.keep_alive();
    const bool expects_continue =
        version >= 11 && beast::iequals(head[http::field::expect], "100-continue");
    HttpRequest request = make_request(head, remote_address_, request_id_);
    owes_answer_ = true;

    std::variant<size_t, HttpResponse> verdict = core_.handler().preflight(request);
    if (auto* early = std::get_if<HttpResponse>(&verdict)) {
      // Keep the connection only if no body is left unread on it.
      if (!co_await send(std::move(*early), version, keep_alive && head_parser.is_done()))
        co_return;
      continue;
    }
    const size_t limit = std::get<size_t>(verdict);
    if (auto length = head_parser.content_length(); length && *length > limit) {
      co_await send(too_large(limit), version, false);  // the body is never read
      co_return;
    }

    http::request_parser<http::string_body> parser(std::move(head_parser));
    if (!parser.is_done()) {
      parser.body_limit(limit);
      if (expects_continue) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        stream_.expires_after(opt.body_timeout);
        auto [ec, n] = co_await asio::async_write(
            stream_, asio::buffer(kContinue.data(), kContinue.size()), kNoThrow);
        if (ec) co_return;
      }
      stream_.expires_after(opt.body_timeout);
      auto [ec, n] = co_await http::async_read(stream_, buffer_, parser, kNoThrow);
      if (ec == http::error::body_limit) {
        co_await send(too_large(limit), version, false);
        co_return;
      }
      if (is_malformed(ec)) {
        co_await send(error_response(400, "bad_request", "malformed HTTP request: " + ec.message()),
                      version, false);
        co_return;
      }
      if (ec) co_return;  // body timeout, or the peer left
    }
    request.body = std::move(parser.get().body());
    bytes_in_ = request.body.size();

    stream_.expires_never();
    phase_ = Phase::kHandling;
    auto slot = std::make_shared<ResponseSlot>(strand_, weak_from_this());
    slot_ = slot;
    auto token = std::make_shared<RespondToken>(slot);
    core_.handler().handle(std::move(request), [token = std::move(token)](HttpResponse response) {
      token->slot->deliver(std::move(response));
    });
    std::optional<HttpResponse> response = co_await wait_for_response(slot);
    slot->close();
    slot_.reset();
    phase_ = Phase::kBusy;
    if (!response) co_return;  // aborted by stop()
    if (!co_await send(std::move(*response), version, keep_alive)) co_return;
  }
}

awaitable<std::optional<HttpResponse>> Session::wait_for_response(
    std::shared_ptr<ResponseSlot> slot) {
  for (;;) {
    if (auto response = slot->take()) co_return response;
    if (aborted_) co_return std::nullopt;
    // deliver() posts its wake-up to this strand, so it cannot run between the
    // take() above and the start of this wait.
    respond_timer_.expires_at(asio::steady_timer::time_point::max());
    auto [ec] = co_await respond_timer_.async_wait(kNoThrow);
    (void)ec;  // cancelled: the answer is ready, or we are aborted
  }
}

awaitable<bool> Session::send(HttpResponse response, unsigned version, bool keep_alive) {
  owes_answer_ = false;
  http::response<http::string_body> res;
  res.version(version == 10 ? 10 : 11);
  int status = response.status;
  if (status < 100 || status > 999) {
    core_.logger().error("http: handler answered with invalid status {}; sending 500", status);
    response = error_response(500, "internal", "internal error");
    status = 500;
  }
  res.result(static_cast<unsigned>(status));
  res.set(http::field::server, kServerName);
  if (!response.content_type.empty()) res.set(http::field::content_type, response.content_type);
  for (const auto& [name, value] : response.headers.fields()) {
    if (!is_safe_field(name, value)) {
      core_.logger().warn("http: dropping unsafe response header '{}'", name);
      continue;
    }
    if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding")) continue;
    if (iequals(name, "Connection")) {
      if (iequals(value, "close")) keep_alive = false;
      continue;
    }
    res.insert(name, value);
  }
  if (request_id_.empty()) {
    // Answered before a whole header was read (400, 431, a refused connection).
    request_id_ = core_.next_request_id();
    started_ = std::chrono::steady_clock::now();
  }
  if (res.find("X-Request-Id") == res.end()) res.set("X-Request-Id", request_id_);
  // These statuses carry no body (and Beast refuses to frame one).
  const bool bodiless = status < 200 || status == 204 || status == 304;
  if (bodiless) response.body.clear();
  const size_t bytes_out = response.body.size();
  keep_alive = keep_alive && !core_.stopping();
  res.keep_alive(keep_alive);
  if (head_request_ && !bodiless) {
    // The length a GET would have, and no body: the framing stays right.
    res.content_length(response.body.size());
  } else {
    res.body() = std::move(response.body);
    res.prepare_payload();
  }

  stream_.expires_after(core_.options().body_timeout);
  auto [ec, n] = co_await http::async_write(stream_, res, kNoThrow);
  report(status, bytes_out, response.log_fields);
  if (ec) co_return false;
  if (!keep_alive) {
    co_await linger();
    co_return false;
  }
  co_return true;
}

void Session::report(int status, size_t bytes_out,
                     const std::vector<std::pair<std::string, std::string>>& log_fields) {
  if (in_flight_) {
    in_flight_ = false;
    core_.request_ended();
  }
  if (RequestObserver* observer = core_.options().observer) {
    RequestRecord r;
    r.request_id = request_id_;
    r.method = method_;
    r.path = path_;
    r.remote_address = remote_address_;
    r.status = status;
    r.bytes_in = bytes_in_;
    r.bytes_out = bytes_out;
    r.duration = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started_);
    r.log_fields = &log_fields;
    observer->on_request(r);
  }
  request_id_.clear();
  method_.clear();
  path_.clear();
  bytes_in_ = 0;
}

awaitable<void> Session::linger() {
  phase_ = Phase::kLinger;
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) co_return;
  stream_.expires_after(kLingerTimeout);
  for (;;) {
    auto [rec, n] = co_await stream_.async_read_some(asio::buffer(scratch_), kNoThrow);
    if (rec) co_return;  // the client closed, or the linger timed out
  }
}

ServerCore::ServerCore(ServerOptions options, HttpHandler& handler, Logger& logger)
    : options_(std::move(options)),
      handler_(handler),
      logger_(logger),
      ioc_(std::max(1, options_.threads)),
      acceptor_strand_(asio::make_strand(ioc_)),
      acceptor_(acceptor_strand_) {}

Status ServerCore::start() {
  std::lock_guard lifecycle(lifecycle_mu_);
  if (state_ != State::kNew) return failed_precondition("the HTTP server was already started");

  beast::error_code ec;
  const asio::ip::address address = asio::ip::make_address(options_.host, ec);
  if (ec) {
    return invalid_argument("HTTP host '" + options_.host +
                            "' is not an IPv4 or IPv6 address literal");
  }
  const tcp::endpoint endpoint(address, options_.port);
  const std::string where = endpoint_text(endpoint);
  auto fail = [&](std::string what) {
    beast::error_code ignored;
    acceptor_.close(ignored);
    if (ec == asio::error::address_in_use)
      return unavailable("cannot listen on " + where + ": the address is already in use");
    return unavailable("cannot " + what + " " + where + ": " + ec.message());
  };
  if (acceptor_.open(endpoint.protocol(), ec); ec) return fail("open a socket for");
  if (acceptor_.set_option(asio::socket_base::reuse_address(true), ec); ec)
    return fail("set SO_REUSEADDR on");
  if (acceptor_.bind(endpoint, ec); ec) return fail("bind");
  if (acceptor_.listen(asio::socket_base::max_listen_connections, ec); ec) return fail("listen on");
  const tcp::endpoint bound = acceptor_.local_endpoint(ec);
  if (ec) return fail("read the address of");
  port_ = bound.port();

  asio::co_spawn(acceptor_strand_, accept_loop(), asio::detached);
  const int threads = std::max(1, options_.threads);
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { run_io(); });
  state_ = State::kRunning;
  logger_.info("http: listening on {} ({} I/O threads)", endpoint_text(bound), threads);
  return Status::ok();
}

void ServerCore::run_io() {
  for (;;) {
    try {
      ioc_.run();
      return;
    } catch (const std::exception& e) {
      // Sessions catch their own exceptions; this is a bug, but keep serving.
      logger_.error("http: exception escaped to the I/O loop: {}", e.what());
    }
  }
}

awaitable<void> ServerCore::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(ioc_), kNoThrow);
    if (!acceptor_.is_open() || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // Out of descriptors, say: pause rather than spin, and keep accepting.
      logger_.warn("http: accept failed: {}", ec.message());
      asio::steady_timer pause(acceptor_strand_, kAcceptRetryPause);
      co_await pause.async_wait(kNoThrow);
      continue;
    }
    accept(tcp::socket(std::move(socket)));
  }
}

void ServerCore::accept(tcp::socket socket) {
  beast::error_code ec;
  if (stopping_) {
    socket.close(ec);
    return;
  }
  Session::Mode mode = Session::Mode::kServe;
  if (serving_.load() >= options_.max_connections) {
    if (connection_count() >= options_.max_connections + kMaxRefusing) {
      socket.close(ec);
      return;
    }
    mode = Session::Mode::kRefuse;
    if (!refusing_) {
      logger_.warn("http: {} connections open; refusing new ones with 503", serving_.load());
      refusing_ = true;
    }
  } else if (refusing_) {
    logger_.info("http: accepting connections again");
    refusing_ = false;
  }
  const uint64_t id = next_session_id_++;
  auto session = std::make_shared<Session>(*this, std::move(socket), id, mode);
  if (mode == Session::Mode::kServe) ++serving_;
  {
    std::lock_guard lock(sessions_mu_);
    sessions_.emplace(id, session);
  }
  asio::co_spawn(session->executor(), run_session(session), asio::detached);
}

void ServerCore::unregister_session(uint64_t id, bool serving) {
  if (serving) --serving_;
  std::lock_guard lock(sessions_mu_);
  sessions_.erase(id);
  if (sessions_.empty()) sessions_cv_.notify_all();
}

std::vector<std::shared_ptr<Session>> ServerCore::snapshot_sessions() {
  std::vector<std::shared_ptr<Session>> out;
  std::lock_guard lock(sessions_mu_);
  out.reserve(sessions_.size());
  for (const auto& [id, weak] : sessions_)
    if (auto s = weak.lock()) out.push_back(std::move(s));
  return out;
}

template <typename Fn>
void ServerCore::for_each_session(Fn fn) {
  // The snapshot is released outside sessions_mu_: dropping the last reference
  // to a session unregisters it, which takes the mutex.
  for (auto& session : snapshot_sessions()) {
    const asio::any_io_executor& strand = session->executor();
    asio::post(strand, [fn, s = std::move(session)] { fn(*s); });
  }
}

bool ServerCore::wait_for_no_sessions(std::chrono::milliseconds bound) {
  std::unique_lock lock(sessions_mu_);
  return sessions_cv_.wait_for(lock, bound, [this] { return sessions_.empty(); });
}

void ServerCore::stop() {
  std::lock_guard lifecycle(lifecycle_mu_);
  if (state_ != State::kRunning) return;

  stopping_ = true;
  asio::post(acceptor_strand_, [this] {
    beast::error_code ec;
    acceptor_.close(ec);
  });
  for_each_session([](Session& s) { s.close_if_idle(); });
  if (ioc_.get_executor().running_in_this_thread()) {
    // Joining from here would wait for ourselves.
    logger_.error("http: stop() called from an I/O thread; shutdown begun, not awaited");
    return;
  }

  const auto started = std::chrono::steady_clock::now();
  bool forced = false;
  if (!wait_for_no_sessions(options_.drain_timeout)) {
    logger_.warn("http: {} connection(s) still busy after the {} ms drain; cancelling them",
                 connection_count(), options_.drain_timeout.count());
    for_each_session([](Session& s) { s.abort(); });
    if (!wait_for_no_sessions(kCancelGrace)) {
      logger_.error("http: {} connection(s) did not finish; stopping the I/O loop",
                    connection_count());
      forced = true;
      ioc_.stop();
    }
  }
  for (auto& t : threads_) t.join();
  threads_.clear();
  if (forced) {
    // No I/O thread is left, so touching the sessions here is safe.
    for (auto& s : snapshot_sessions()) s->close_slot();
  }
  state_ = State::kStopped;
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  logger_.info("http: stopped (drained in {} ms)", took.count());
}

}  // namespace http_detail

HttpServer::HttpServer(ServerOptions options, HttpHandler& handler, Logger& logger)
    : core_(std::make_unique<http_detail::ServerCore>(std::move(options), handler, logger)) {}

HttpServer::~HttpServer() = default;  // ServerCore's destructor stops

Status HttpServer::start() { return core_->start(); }
uint16_t HttpServer::port() const { return core_->port(); }
void HttpServer::stop() { core_->stop(); }
size_t HttpServer::connection_count() const { return core_->connection_count(); }

size_t HttpServer::requests_in_flight() const { return core_->requests_in_flight(); }

bool is_usable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '/' || c == '+' || c == '=' ||
                    c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace promptjang
