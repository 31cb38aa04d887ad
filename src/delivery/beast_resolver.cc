// DnsResolver; see beast_resolver.h.
#include "delivery/beast_resolver.h"

#include <netdb.h>
#include <sys/socket.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

namespace promptjang::beast_detail {

namespace {

struct Job {
  std::string host;
  uint16_t port = 0;
  DnsResolver::Callback done;
};

Resolved lookup(const std::string& host, uint16_t port) {
  Resolved r;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  addrinfo* list = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &list);
  if (rc != 0) {
    r.error = rc == EAI_SYSTEM ? std::system_category().message(errno) : ::gai_strerror(rc);
    return r;
  }
  for (const addrinfo* ai = list; ai; ai = ai->ai_next) {
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
    boost::asio::ip::tcp::endpoint ep;
    if (ai->ai_addrlen > ep.capacity()) continue;
    std::memcpy(ep.data(), ai->ai_addr, ai->ai_addrlen);
    ep.resize(ai->ai_addrlen);
    ep.port(port);
    r.endpoints.push_back(ep);
  }
  ::freeaddrinfo(list);
  if (r.endpoints.empty()) r.error = "no IPv4 or IPv6 address";
  return r;
}

}  // namespace

struct DnsResolver::State {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Job> jobs;                    // guarded by mu
  size_t threads = 0;                      // guarded by mu
  size_t idle = 0;                         // guarded by mu
  boost::asio::io_context* ioc = nullptr;  // guarded by mu; null once the client is gone

  static void work(const std::shared_ptr<State>& self) {
    std::unique_lock lock(self->mu);
    for (;;) {
      ++self->idle;
      self->cv.wait(lock, [&] { return !self->ioc || !self->jobs.empty(); });
      --self->idle;
      if (!self->ioc) return;
      Job job = std::move(self->jobs.front());
      self->jobs.pop_front();
      lock.unlock();
      Resolved r = lookup(job.host, job.port);
      lock.lock();
      if (!self->ioc) return;  // job.done is dropped here, on this thread
      boost::asio::post(*self->ioc, [done = std::move(job.done), r = std::move(r)]() mutable {
        done(std::move(r));
      });
    }
  }
};

DnsResolver::DnsResolver(boost::asio::io_context& ioc) : state_(std::make_shared<State>()) {
  state_->ioc = &ioc;
}

DnsResolver::~DnsResolver() {
  std::deque<Job> dropped;
  {
    std::lock_guard lock(state_->mu);
    state_->ioc = nullptr;
    dropped.swap(state_->jobs);
  }
  state_->cv.notify_all();
}

void DnsResolver::resolve(std::string host, uint16_t port, Callback done) {
  bool spawn = false;
  {
    std::lock_guard lock(state_->mu);
    state_->jobs.push_back(Job{std::move(host), port, std::move(done)});
    if (state_->idle < state_->jobs.size() && state_->threads < kMaxThreads) {
      ++state_->threads;
      spawn = true;
    }
  }
  if (spawn) {
    try {
      std::thread([state = state_] { State::work(state); }).detach();
      return;
    } catch (const std::system_error&) {  // out of threads: the ones running will get to it
      std::lock_guard lock(state_->mu);
      --state_->threads;
    }
  }
  state_->cv.notify_one();
}

}  // namespace promptjang::beast_detail
