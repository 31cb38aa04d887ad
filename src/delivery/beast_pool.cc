// Pool; see beast_pool.h.
#include "delivery/beast_pool.h"

#include <boost/url/parse.hpp>
#include <charconv>
#include <chrono>
#include <system_error>
#include <utility>
#include <vector>

namespace promptjang::beast_detail {
namespace {

// An idle connection older than this is checked (a non-blocking peek) before
// reuse; younger ones are trusted, and a stale one is caught by the retry.
constexpr auto kCheckIdleAfter = std::chrono::milliseconds(250);

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

}  // namespace

bool Pool::route(Op& op, std::string& error) {
  namespace urls = boost::urls;
  auto parsed = urls::parse_uri(op.request.url);
  if (!parsed) {
    error = "malformed URL: " + parsed.error().message();
    return false;
  }
  const urls::url_view& url = *parsed;
  const urls::scheme scheme = url.scheme_id();
  if (scheme != urls::scheme::http && scheme != urls::scheme::https) {
    error = "protocol \"" + std::string(url.scheme()) + "\" is not supported (http and https only)";
    return false;
  }
  const bool tls = scheme == urls::scheme::https;
  const uint16_t default_port = tls ? 443 : 80;
  uint16_t port = default_port;
  if (url.has_port() && !url.port().empty()) {  // (port_number() wraps past 65535)
    const std::string_view digits = url.port();
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || end != digits.data() + digits.size() || value == 0 || value > 65535) {
      error = "malformed URL: bad port " + std::string(digits);
      return false;
    }
    port = static_cast<uint16_t>(value);
  }
  const urls::host_type host_type = url.host_type();
  if (url.encoded_host().empty() ||
      (host_type != urls::host_type::name && host_type != urls::host_type::ipv4 &&
       host_type != urls::host_type::ipv6)) {
    error = "malformed URL: no usable host";
    return false;
  }
  op.target.assign(url.encoded_path().empty() ? "/" : "");
  op.target.append(url.encoded_target());

  key_.assign(tls ? "https://" : "http://");
  for (char c : url.encoded_host()) key_ += ascii_lower(c);
  key_ += ':';
  key_ += std::to_string(port);
  auto it = pools_.find(std::string_view(key_));
  if (it == pools_.end()) {
    Origin origin;
    origin.key = key_;
    origin.tls = tls;
    origin.port = port;
    if (host_type == urls::host_type::ipv4) {
      origin.literal = asio::ip::address_v4(url.host_ipv4_address().to_uint());
    } else if (host_type == urls::host_type::ipv6) {
      origin.literal = asio::ip::address_v6(url.host_ipv6_address().to_bytes());
    }
    origin.host = origin.literal ? origin.literal->to_string() : std::string(url.host());
    origin.host_header = host_type == urls::host_type::ipv6 ? "[" + origin.host + "]" : origin.host;
    if (port != default_port) origin.host_header += ":" + std::to_string(port);
    it = pools_.emplace(key_, std::make_unique<HostPool>(std::move(origin))).first;
  }
  op.pool = it->second.get();
  return true;
}

void Pool::enqueue(Op& op, bool front) {
  if (front) {
    op.pool->waiting.push_front(op);
  } else {
    op.pool->waiting.push_back(op);
  }
  pump(*op.pool);
}

// Gives `op` (in no queue) a connection if the caps allow.
Pool::Run Pool::try_run(Op& op) {
  HostPool& pool = *op.pool;
  if (!op.retried) {  // a retried op wants a fresh connection
    const SteadyTime now = SteadyClock::now();
    while (!pool.idle.empty()) {
      Conn& conn = pool.idle.back();
      conn.idle_hook.unlink();
      conn.lru_hook.unlink();
      if (now - conn.idle_since >= kCheckIdleAfter && conn.peer_gone()) {
        drop(conn);
        continue;
      }
      op.conn = &conn;
      conn.exchange(op);
      return Run::started;
    }
  }
  const size_t host_cap = ctx_.options.max_host_connections;
  if (host_cap != 0 && pool.open >= host_cap) {
    if (pool.idle.empty()) return Run::host_full;
    drop(pool.idle.front());  // a retried op's: idle ones of this origin are suspect too
  }
  if (!room()) return Run::all_full;
  const size_t total_cap = ctx_.options.max_total_connections;
  if (total_cap != 0 && open_ >= total_cap) drop(idle_lru_.front());
  auto conn = std::make_shared<Conn>(ctx_, owner_, pool, pool.origin);
  conns_.emplace(conn.get(), conn);
  ++pool.open;
  ++open_;
  op.conn = conn.get();
  conn->start_setup(op);
  return Run::started;
}

// Whether one more connection may be opened (perhaps by closing an idle one).
bool Pool::room() const {
  const size_t cap = ctx_.options.max_total_connections;
  return cap == 0 || open_ < cap || !idle_lru_.empty();
}

void Pool::pump(HostPool& pool) {
  while (!pool.waiting.empty()) {
    Op& op = pool.waiting.front();
    op.wait_hook.unlink();
    const Run run = try_run(op);
    if (run == Run::started) continue;
    pool.waiting.push_front(op);
    if (run == Run::all_full) starve(pool);
    return;
  }
}

void Pool::starve(HostPool& pool) {
  if (pool.starved) return;
  pool.starved = true;
  starved_.push_back(&pool);
}

void Pool::pump_starved() {
  while (!starved_.empty()) {
    HostPool& pool = *starved_.front();
    if (!pool.waiting.empty() && !room()) return;
    starved_.pop_front();
    pool.starved = false;
    pump(pool);  // may starve it again, at the back
  }
}

bool Pool::release(Conn& conn) {
  HostPool& pool = conn.pool();
  if (ctx_.options.idle_timeout.count() <= 0) {
    drop(conn);
    refill(pool);
    return false;
  }
  if (!pool.waiting.empty()) {
    Op& op = pool.waiting.front();
    op.wait_hook.unlink();
    op.conn = &conn;
    conn.exchange(op);
    return false;
  }
  while (!starved_.empty() && starved_.front()->waiting.empty()) {
    starved_.front()->starved = false;
    starved_.pop_front();
  }
  if (!starved_.empty()) {  // another origin waits for room: make it
    drop(conn);
    pump_starved();
    return false;
  }
  conn.idle_since = SteadyClock::now();
  pool.idle.push_back(conn);
  idle_lru_.push_back(conn);
  return true;
}

void Pool::drop(Conn& conn) {
  HostPool& pool = conn.pool();
  conn.close();
  conn.idle_hook.unlink();
  conn.lru_hook.unlink();
  --pool.open;
  --open_;
  conns_.erase(&conn);  // may destroy it
}

void Pool::withdraw(Op& op) {
  if (!op.wait_hook.is_linked()) return;
  op.wait_hook.unlink();
  HostPool& pool = *op.pool;
  if (pool.waiting.empty() && pool.starved) {
    std::erase(starved_, &pool);
    pool.starved = false;
  }
}

void Pool::close_idle_since(SteadyTime t) {
  while (!idle_lru_.empty() && idle_lru_.front().idle_since <= t) drop(idle_lru_.front());
}

SteadyTime Pool::oldest_idle() const {
  return idle_lru_.empty() ? SteadyTime::max() : idle_lru_.front().idle_since;
}

void Pool::sweep() {
  std::erase_if(pools_, [](const auto& entry) {
    const HostPool& p = *entry.second;
    return p.open == 0 && p.ops == 0 && !p.starved;
  });
}

void Pool::close_all() {
  std::vector<Conn*> all;
  all.reserve(conns_.size());
  for (const auto& entry : conns_) all.push_back(entry.first);
  for (Conn* conn : all) drop(*conn);
  for (HostPool* pool : starved_) pool->starved = false;
  starved_.clear();
}

}  // namespace promptjang::beast_detail
