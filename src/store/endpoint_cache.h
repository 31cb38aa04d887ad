// EndpointCache: endpoints read through a short-lived in-memory copy, so the hot
// paths (ingest checks its endpoint on every event, the dispatcher reads URL and
// secret for every attempt) do not read the database each time.
//
// Freshness: an entry is used for at most `ttl` after it was read (2 s by
// default), so a change made anywhere (another node of a cluster included)
// takes effect within ttl; a change made through this process is seen at once
// by calling invalidate(). Only found endpoints are kept: a miss (unknown or
// deleted) always asks the store.
// At most `capacity` entries: when full, the cache is emptied (cheap, and the
// working set refills it in one ttl).
//
// Thread safety: all methods may be called from any thread (a shared mutex:
// readers do not block each other). Entries are immutable and shared, so a
// reader never copies an endpoint.
#pragma once

#include <chrono>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"
#include "core/status.h"
#include "model/endpoint.h"
#include "store/store.h"

namespace promptjang {

class EndpointCache {
 public:
  static constexpr Micros kDefaultTtl = std::chrono::seconds(2);

  EndpointCache(Store& store, const Clock& clock, Micros ttl = kDefaultTtl,
                size_t capacity = 16384);

  // The endpoint of that account, as of at most ttl ago; the store's answer
  // (NotFound, Unavailable, ...) when it has to ask and cannot find it.
  Result<std::shared_ptr<const Endpoint>> get(std::string_view account_id,
                                              std::string_view endpoint_id);
  // Forgets one endpoint (it changed here): the next get() reads the store.
  void invalidate(std::string_view endpoint_id);
  void clear();

 private:
  struct Entry {
    std::shared_ptr<const Endpoint> endpoint;
    TimePoint fetched_at;
  };

  Store& store_;
  const Clock& clock_;
  const Micros ttl_;
  const size_t capacity_;
  std::shared_mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // by endpoint id; guarded by mu_
};

}  // namespace promptjang
