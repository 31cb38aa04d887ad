// EndpointCache; see endpoint_cache.h.
#include "store/endpoint_cache.h"

#include <mutex>

namespace promptjang {

EndpointCache::EndpointCache(Store& store, const Clock& clock, Micros ttl, size_t capacity)
    : store_(store), clock_(clock), ttl_(ttl), capacity_(capacity) {}

Result<std::shared_ptr<const Endpoint>> EndpointCache::get(std::string_view account_id,
                                                           std::string_view endpoint_id) {
  const TimePoint now = clock_.now();
  {
    std::shared_lock lock(mu_);
    auto it = entries_.find(std::string(endpoint_id));
    if (it != entries_.end() && now - it->second.fetched_at < ttl_ &&
        it->second.endpoint->account_id == account_id)
      return it->second.endpoint;
  }
  auto fresh = store_.get_endpoint(account_id, endpoint_id);
  if (!fresh) return fresh.status();
  auto shared = std::make_shared<const Endpoint>(std::move(*fresh));
  std::unique_lock lock(mu_);
  if (entries_.size() >= capacity_) entries_.clear();
  entries_[shared->id] = Entry{shared, now};
  return shared;
}

void EndpointCache::invalidate(std::string_view endpoint_id) {
  std::unique_lock lock(mu_);
  entries_.erase(std::string(endpoint_id));
}

void EndpointCache::clear() {
  std::unique_lock lock(mu_);
  entries_.clear();
}

}  // namespace promptjang
