// DnsResolver: host name lookups for BeastHttpClient, off its client thread.
//
// Asio's own resolver runs every lookup of an io_context on one hidden thread,
// so a single slow name server would hold up every other host, and its
// destructor waits for a lookup in progress. Here getaddrinfo runs on up to
// kMaxThreads helper threads (started on demand, detached), and each answer is
// posted to the client's io_context as a call of the lookup's callback.
//
// Threads: resolve() and the destructor are called on the client thread; the
// callback runs there too. The helpers share only State (under its mutex) with
// it. After the destructor no callback is posted any more: a helper still in
// getaddrinfo finishes on its own and drops its answer, destroying the callback
// on its thread, so a callback must hold nothing that cannot be destroyed there
// (a weak_ptr is fine, a shared_ptr to an Asio object is not).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace promptjang::beast_detail {

struct Resolved {
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;  // in getaddrinfo's order
  std::string error;  // why nothing came back (empty on success)
};

class DnsResolver {
 public:
  static constexpr size_t kMaxThreads = 8;
  using Callback = std::function<void(Resolved)>;

  explicit DnsResolver(boost::asio::io_context& ioc);
  ~DnsResolver();
  DnsResolver(const DnsResolver&) = delete;
  DnsResolver& operator=(const DnsResolver&) = delete;

  void resolve(std::string host, uint16_t port, Callback done);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace promptjang::beast_detail
