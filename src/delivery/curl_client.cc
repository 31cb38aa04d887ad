// CurlHttpClient; see curl_client.h.
//
// Shape: MultiLoop owns the multi handle and the client thread. send() pushes a
// Transfer onto queue_ (the only state shared between threads, under mu_) and
// wakes the thread. Everything else (the multi handle once the thread runs, the
// active transfers, the pool of idle easy handles) belongs to the client thread.
// A Transfer is owned by active_ (keyed by its easy handle) while curl works on
// it; the callbacks reach it through their user pointers. An easy handle goes
// back to the pool reset, so nothing of a finished Transfer survives in it.
#include "delivery/curl_client.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <deque>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "delivery/ssrf_guard.h"

namespace promptjang {
namespace curl_detail {
namespace {

constexpr int kPollTimeoutMs = 1000;  // longest sleep: curl's timers and wakeups end it sooner
constexpr size_t kMaxPooledEasyHandles = 64;

// curl_global_init must run once, before any other libcurl call, and is never
// undone: a function-local static makes the first constructor do it.
void init_curl_once() {
  static const CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (rc != CURLE_OK)
    throw std::runtime_error(std::string("curl_global_init: ") + curl_easy_strerror(rc));
  const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
  if (info->version_num < 0x075500)  // CURLOPT_PROTOCOLS_STR came in 7.85.0
    throw std::runtime_error(std::string("libcurl 7.85 or newer needed, found ") + info->version);
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

bool has_control_break(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

std::string address_text(const sockaddr* addr) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (addr->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(addr)->sin_addr, buf, sizeof buf);
  } else if (addr->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr, buf, sizeof buf);
  } else {
    return "of address family " + std::to_string(addr->sa_family);
  }
  return buf;
}

// The error kind of a failed transfer (SPEC §5).
const char* error_kind(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return "timeout";
    case CURLE_COULDNT_RESOLVE_HOST:
      return "dns";
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
      return "tls";
    default:  // refused, reset, closed, empty reply, send/recv errors, and the rest
      return "connection";
  }
}

}  // namespace

// One attempt, from send() to its callback.
struct Transfer {
  OutboundRequest request;
  std::function<void(OutboundResult)> done;
  OutboundResult result;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  bool in_header_block = false;  // between a status line and its blank line
  size_t discarded = 0;          // body bytes read past the kept ones
  bool cut = false;              // the transfer was aborted past kMaxDiscardedResponseBody
  size_t header_bytes = 0;       // of every header line received so far
  bool headers_too_large = false;
  std::string policy_refusal;  // set when the SSRF guard refused an address
  bool guard_on = true;
  std::array<char, CURL_ERROR_SIZE> error_buffer{};
};

namespace {

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * count;
  std::string& body = t->result.response_body;
  const size_t keep = std::min(len, kMaxKeptResponseBody - body.size());
  body.append(data, keep);
  if (keep < len) {
    t->result.response_truncated = true;
    t->discarded += len - keep;
    if (t->discarded > kMaxDiscardedResponseBody) {
      t->cut = true;
      return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
    }
  }
  return len;
}

// Called for every header line of every response (1xx ones included) and for
// trailers: only the final response's header block is kept.
size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * count;
  t->header_bytes += len;
  if (t->header_bytes > kMaxResponseHeaderBytes) {
    t->headers_too_large = true;
    return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
  }
  std::string_view line(data, len);
  HeaderList& kept = t->result.response_headers;
  if (line.starts_with("HTTP/")) {
    kept.clear();
    t->in_header_block = true;
    return len;
  }
  if (!t->in_header_block) return len;  // trailers
  if (trim(line).empty()) {
    t->in_header_block = false;
    return len;
  }
  if ((line.front() == ' ' || line.front() == '\t') && !kept.empty()) {  // obsolete folding
    kept.back().second += ' ';
    kept.back().second += trim(line);
    return len;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return len;
  kept.emplace_back(std::string(line.substr(0, colon)), std::string(trim(line.substr(colon + 1))));
  return len;
}

// The SSRF guard, on the address actually being connected to.
curl_socket_t on_open_socket(void* user, curlsocktype purpose, curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(user);
  if (t->guard_on && purpose == CURLSOCKTYPE_IPCXN) {
    if (auto why = forbidden_reason(&address->addr)) {
      t->policy_refusal = "destination " + address_text(&address->addr) + " is " + *why +
                          " (refused by the SSRF guard; allow_private_targets lets it through)";
      return CURL_SOCKET_BAD;
    }
  }
  return ::socket(address->family, address->socktype, address->protocol);
}

}  // namespace

class MultiLoop {
 public:
  MultiLoop(CurlClientOptions options, const Clock& clock, Logger& logger)
      : options_(std::move(options)), clock_(clock), logger_(logger) {
    init_curl_once();
    multi_ = curl_multi_init();
    if (!multi_) throw std::runtime_error("curl_multi_init failed");
    curl_multi_setopt(multi_, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                      static_cast<long>(options_.max_total_connections));
    curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS,
                      static_cast<long>(options_.max_host_connections));
    // The idle-connection cache: by default 4 per transfer in flight, which would
    // drop kept-alive connections to quiet endpoints; let it hold as many as may
    // be open (curl closes the oldest idle one when a new one needs the room).
    if (options_.max_total_connections > 0)
      curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS,
                        static_cast<long>(options_.max_total_connections));
    thread_ = std::thread([this] { run(); });
  }

  ~MultiLoop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    curl_multi_wakeup(multi_);
    thread_.join();
    for (CURL* easy : idle_) curl_easy_cleanup(easy);
    curl_multi_cleanup(multi_);
  }

  void send(OutboundRequest request, std::function<void(OutboundResult)> done) {
    auto t = std::make_unique<Transfer>();
    t->request = std::move(request);
    t->done = std::move(done);
    t->result.started_at = clock_.now();
    {
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(t));
    }
    curl_multi_wakeup(multi_);
  }

 private:
  void run();
  void start(std::unique_ptr<Transfer> t);
  CURLcode configure(Transfer& t);
  void reap();
  void finish(CURL* easy, CURLcode code);
  void complete(std::unique_ptr<Transfer> t);
  void fail(std::unique_ptr<Transfer> t, const char* kind, std::string detail);
  void release(Transfer& t);

  const CurlClientOptions options_;
  const Clock& clock_;
  Logger& logger_;
  CURLM* multi_ = nullptr;

  std::mutex mu_;
  std::deque<std::unique_ptr<Transfer>> queue_;  // guarded by mu_
  bool stopping_ = false;                        // guarded by mu_

  // Client thread only.
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> active_;
  std::vector<CURL*> idle_;  // reset easy handles, for reuse
  std::thread thread_;
};

void MultiLoop::run() {
  for (;;) {
    std::deque<std::unique_ptr<Transfer>> incoming;
    bool stopping;
    {
      std::lock_guard lock(mu_);
      incoming.swap(queue_);
      stopping = stopping_;
    }
    if (stopping) {
      for (auto& t : incoming) fail(std::move(t), "connection", "client shut down");
      while (!active_.empty()) {
        auto it = active_.begin();
        std::unique_ptr<Transfer> t = std::move(it->second);
        active_.erase(it);
        release(*t);
        fail(std::move(t), "connection", "client shut down");
      }
      return;
    }
    for (auto& t : incoming) start(std::move(t));
    int running = 0;
    if (CURLMcode mc = curl_multi_perform(multi_, &running); mc != CURLM_OK)
      logger_.error("sender: curl_multi_perform: {}", curl_multi_strerror(mc));
    reap();
    if (CURLMcode mc = curl_multi_poll(multi_, nullptr, 0, kPollTimeoutMs, nullptr);
        mc != CURLM_OK) {
      logger_.error("sender: curl_multi_poll: {}", curl_multi_strerror(mc));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // never spin
    }
  }
}

void MultiLoop::start(std::unique_ptr<Transfer> t) {
  if (idle_.empty()) {
    t->easy = curl_easy_init();
  } else {
    t->easy = idle_.back();
    idle_.pop_back();
  }
  if (!t->easy) return fail(std::move(t), "connection", "curl_easy_init failed");
  if (CURLcode rc = configure(*t); rc != CURLE_OK) {
    std::string detail = std::string("cannot set up the request: ") + curl_easy_strerror(rc);
    release(*t);
    return fail(std::move(t), "connection", std::move(detail));
  }
  if (CURLMcode mc = curl_multi_add_handle(multi_, t->easy); mc != CURLM_OK) {
    std::string detail = std::string("curl_multi_add_handle: ") + curl_multi_strerror(mc);
    release(*t);
    return fail(std::move(t), "connection", std::move(detail));
  }
  CURL* easy = t->easy;
  active_.emplace(easy, std::move(t));
}

CURLcode MultiLoop::configure(Transfer& t) {
  CURL* e = t.easy;
  t.guard_on = !options_.allow_private_targets;

  // Headers: the request's, minus the framing ones curl writes itself, plus
  // "Expect:" and "Content-Type:" (empty = curl adds none of its own).
  bool has_content_type = false;
  for (const auto& [name, value] : t.request.headers) {
    if (name.empty() || name.find(':') != std::string::npos || has_control_break(name) ||
        has_control_break(value)) {
      logger_.warn("sender: dropped a header with a control character or bad name to {}",
                   t.request.url);
      continue;
    }
    if (iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
        iequals(name, "expect"))
      continue;
    if (iequals(name, "content-type")) has_content_type = true;
    // "Name;" is curl's spelling of a header with an empty value.
    const std::string line = value.empty() ? name + ";" : name + ": " + value;
    t.headers = curl_slist_append(t.headers, line.c_str());
  }
  t.headers = curl_slist_append(t.headers, "Expect:");
  if (!has_content_type) t.headers = curl_slist_append(t.headers, "Content-Type:");

  const auto ms = [](std::chrono::milliseconds d) { return static_cast<long>(d.count()); };
  CURLcode rc = CURLE_OK;
  const auto set = [&](CURLoption opt, auto value) {
    if (rc == CURLE_OK) rc = curl_easy_setopt(e, opt, value);
  };
  set(CURLOPT_URL, t.request.url.c_str());
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  set(CURLOPT_FOLLOWLOCATION, 0L);
  set(CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_PROXY, "");
  set(CURLOPT_NOPROXY, "*");
  set(CURLOPT_SSL_VERIFYPEER, 1L);
  set(CURLOPT_SSL_VERIFYHOST, 2L);
  set(CURLOPT_CONNECTTIMEOUT_MS, ms(options_.connect_timeout));
  set(CURLOPT_TIMEOUT_MS, ms(options_.total_timeout));
  set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t.request.body.size()));
  set(CURLOPT_POSTFIELDS, t.request.body.data());
  set(CURLOPT_HTTPHEADER, t.headers);
  if (!options_.user_agent.empty()) set(CURLOPT_USERAGENT, options_.user_agent.c_str());
  set(CURLOPT_WRITEFUNCTION, &on_body);
  set(CURLOPT_WRITEDATA, static_cast<void*>(&t));
  set(CURLOPT_HEADERFUNCTION, &on_header);
  set(CURLOPT_HEADERDATA, static_cast<void*>(&t));
  set(CURLOPT_OPENSOCKETFUNCTION, &on_open_socket);
  set(CURLOPT_OPENSOCKETDATA, static_cast<void*>(&t));
  set(CURLOPT_ERRORBUFFER, t.error_buffer.data());
  return rc;
}

void MultiLoop::reap() {
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
    if (msg->msg == CURLMSG_DONE) finish(msg->easy_handle, msg->data.result);
  }
}

void MultiLoop::finish(CURL* easy, CURLcode code) {
  auto it = active_.find(easy);
  if (it == active_.end()) return;  // cannot happen: every added handle is in active_
  std::unique_ptr<Transfer> t = std::move(it->second);
  active_.erase(it);
  OutboundResult& r = t->result;
  if (code == CURLE_OK || (code == CURLE_WRITE_ERROR && t->cut)) {
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    r.status_code = static_cast<int>(status);
  } else if (code == CURLE_WRITE_ERROR && t->headers_too_large) {
    r.error = "connection";
    r.error_detail = "response headers over " + std::to_string(kMaxResponseHeaderBytes) + " bytes";
  } else if (code == CURLE_COULDNT_CONNECT && !t->policy_refusal.empty()) {
    r.error = "refused_by_policy";
    r.error_detail = t->policy_refusal;
  } else {
    r.error = error_kind(code);
    r.error_detail = t->error_buffer[0] != '\0' ? std::string(t->error_buffer.data())
                                                : std::string(curl_easy_strerror(code));
  }
  release(*t);
  complete(std::move(t));
}

// Gives the easy handle back to the pool (reset, so no option or pointer into
// the finished Transfer survives) and frees the header list.
void MultiLoop::release(Transfer& t) {
  if (t.easy) {
    curl_multi_remove_handle(multi_, t.easy);  // harmless when not added
    if (idle_.size() < kMaxPooledEasyHandles) {
      curl_easy_reset(t.easy);
      idle_.push_back(t.easy);
    } else {
      curl_easy_cleanup(t.easy);
    }
    t.easy = nullptr;
  }
  curl_slist_free_all(t.headers);
  t.headers = nullptr;
}

void MultiLoop::fail(std::unique_ptr<Transfer> t, const char* kind, std::string detail) {
  t->result.error = kind;
  t->result.error_detail = std::move(detail);
  complete(std::move(t));
}

void MultiLoop::complete(std::unique_ptr<Transfer> t) {
  t->result.ended_at = clock_.now();
  if (t->result.error)
    logger_.debug("sender: {} failed: {}: {}", t->request.url, *t->result.error,
                  t->result.error_detail);
  try {
    t->done(std::move(t->result));
  } catch (const std::exception& e) {
    logger_.error("sender: a completion callback threw: {}", e.what());
  } catch (...) {
    logger_.error("sender: a completion callback threw");
  }
}

}  // namespace curl_detail

CurlHttpClient::CurlHttpClient(CurlClientOptions options, const Clock& clock, Logger& logger)
    : loop_(std::make_unique<curl_detail::MultiLoop>(std::move(options), clock, logger)) {}

CurlHttpClient::~CurlHttpClient() = default;

void CurlHttpClient::send(OutboundRequest request, std::function<void(OutboundResult)> done) {
  loop_->send(std::move(request), std::move(done));
}

}  // namespace promptjang
