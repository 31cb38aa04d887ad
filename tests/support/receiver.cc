// Receiver; see receiver.h.
#include "support/receiver.h"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <stdexcept>
#include <thread>

namespace promptjang::testing {

class Receiver::Handler final : public HttpHandler {
 public:
  std::variant<size_t, HttpResponse> preflight(HttpRequest&) override {
    return size_t{8 * 1024 * 1024};
  }

  void handle(HttpRequest req, Respond respond) override {
    Delivery d;
    d.path = req.path;
    for (const auto& [k, v] : req.headers.fields()) {
      std::string name = k;
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      d.headers[name] = v;
    }
    d.body = std::move(req.body);
    d.at = std::chrono::steady_clock::now();
    Script s;
    {
      std::lock_guard lock(mu);
      if (auto it = scripts.find(req.path); it != scripts.end()) s = it->second;
      if (s.fail_every > 0 && ++requests[req.path] % s.fail_every == 0) s.status = 503;
      d.status = s.status;
      deliveries.push_back(d);
    }
    cv.notify_all();
    HttpResponse r;
    r.status = s.status;
    r.content_type = "text/plain";
    r.body = s.body;
    for (const auto& [k, v] : s.headers) r.headers.add(k, v);
    if (s.delay.count() == 0) return respond(std::move(r));
    // Answer later from another thread, as a slow receiver would.
    std::thread([r = std::move(r), respond = std::move(respond), delay = s.delay]() mutable {
      std::this_thread::sleep_for(delay);
      respond(std::move(r));
    }).detach();
  }

  mutable std::mutex mu;
  mutable std::condition_variable cv;
  std::vector<Delivery> deliveries;
  std::map<std::string, Script> scripts;
  std::map<std::string, int64_t> requests;  // per path, for fail_every
};

Receiver::Receiver() : logger_(make_null_logger()), handler_(std::make_unique<Handler>()) {
  ServerOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.threads = 2;
  o.drain_timeout = std::chrono::milliseconds(200);
  server_ = std::make_unique<HttpServer>(o, *handler_, *logger_);
  Status s = server_->start();
  if (!s) throw std::runtime_error("receiver: " + s.to_string());
}

Receiver::~Receiver() { server_->stop(); }

std::string Receiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(server_->port()) + path;
}

uint16_t Receiver::port() const { return server_->port(); }

void Receiver::script(const std::string& path, Script s) {
  std::lock_guard lock(handler_->mu);
  handler_->scripts[path] = std::move(s);
}

std::vector<Delivery> Receiver::deliveries(const std::string& path) const {
  std::lock_guard lock(handler_->mu);
  std::vector<Delivery> out;
  for (const auto& d : handler_->deliveries)
    if (path.empty() || d.path == path) out.push_back(d);
  return out;
}

bool Receiver::wait_for(const std::string& path, size_t n, std::chrono::milliseconds limit) const {
  std::unique_lock lock(handler_->mu);
  return handler_->cv.wait_for(lock, limit, [&] {
    size_t count = 0;
    for (const auto& d : handler_->deliveries) count += d.path == path;
    return count >= n;
  });
}

}  // namespace promptjang::testing
