// WebhookReceiver: see receiver.h. The handler does the least it can (one clock
// read, one header lookup, one push_back under a mutex) so that it never becomes
// the bottleneck whose queueing the benchmark would report as latency.
#include "e2e/receiver.h"

#include <chrono>
#include <utility>

namespace promptjang::bench {

namespace {

constexpr size_t kMaxBodyBytes = 4 * 1024 * 1024;

ServerOptions receiver_options(const std::string& host, uint16_t port) {
  ServerOptions o;
  o.host = host;
  o.port = port;
  o.threads = 2;
  o.drain_timeout = std::chrono::seconds(2);  // keeps the tool's end bounded
  return o;
}

// Built once and copied: the cheapest answer, and assigning the literals in
// handle() trips GCC 12's -Wmaybe-uninitialized false positive at -O3.
const HttpResponse& ok_response() {
  static const HttpResponse kOk = [] {
    HttpResponse r;
    r.status = 200;
    r.content_type = "text/plain";
    r.body = "ok";
    return r;
  }();
  return kOk;
}

}  // namespace

WebhookReceiver::WebhookReceiver(std::string host, uint16_t port, Logger& logger)
    : host_(std::move(host)),
      server_(std::make_unique<HttpServer>(receiver_options(host_, port), *this, logger)) {
  arrivals_.reserve(1 << 16);
}

WebhookReceiver::~WebhookReceiver() { stop(); }

Status WebhookReceiver::start() { return server_->start(); }

void WebhookReceiver::stop() { server_->stop(); }

uint16_t WebhookReceiver::port() const { return server_->port(); }

std::string WebhookReceiver::hook_url() const {
  std::string host = host_;
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = std::string("[") + host + "]";
  std::string url = "http://";
  url += host;
  url += ":";
  url += std::to_string(port());
  url += "/hook";
  return url;
}

std::vector<Arrival> WebhookReceiver::take() {
  std::vector<Arrival> out;
  out.reserve(1 << 12);
  std::lock_guard lock(mu_);
  out.swap(arrivals_);
  return out;
}

std::variant<size_t, HttpResponse> WebhookReceiver::preflight(HttpRequest&) {
  return kMaxBodyBytes;
}

void WebhookReceiver::handle(HttpRequest request, Respond respond) {
  const SteadyTime now = SteadyClock::now();
  Arrival a;
  a.at = now;
  if (auto id = request.headers.get("webhook-id")) a.event_id = std::string(*id);
  {
    std::lock_guard lock(mu_);
    arrivals_.push_back(std::move(a));
  }
  respond(ok_response());
}

}  // namespace promptjang::bench
