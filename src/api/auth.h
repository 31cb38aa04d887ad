// API key authentication with an in-memory cache.
//
// `Authorization: Bearer pj_live_...` is hashed (SHA-256) and looked up in a cache
// keyed by hash, falling back to the store. Entries live at most `ttl` (4 s by
// default: SPEC §2 promises 5 s on every node, and a lookup in flight at the
// revocation adds its own time), so a key revoked on another node stops
// working here within that; a revocation on this node calls invalidate() and
// takes effect at once.
// Last use is written to the store at most once a minute per key.
// Thread safety: all methods may be called concurrently (a mutex guards the map).
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"
#include "core/status.h"
#include "model/account.h"
#include "model/api_key.h"
#include "store/store.h"

namespace promptjang {

// Who a request acts for: the account, and either the API key (key_id) or,
// for the dashboard's session cookie, the signed-in user (user_id; key_id empty).
struct Principal {
  Account account;
  std::string key_id;
  std::optional<std::string> user_id;
};

class KeyCache {
 public:
  KeyCache(Store& store, const Clock& clock, Micros ttl = std::chrono::seconds(4),
           size_t max_entries = 100'000)
      : store_(store), clock_(clock), ttl_(ttl), max_entries_(max_entries) {}

  // Unauthenticated for a missing, malformed, unknown or revoked key; Unavailable
  // when the store cannot answer.
  Result<Principal> authenticate(std::optional<std::string_view> authorization_header);

  // Forgets every cached entry of `key_id` (after its revocation).
  void invalidate(std::string_view key_id);
  // Forgets every cached entry of the account (after its plan changed).
  void invalidate_account(std::string_view account_id);

 private:
  struct Entry {
    Principal principal;
    TimePoint fetched_at;
    TimePoint touched_at;
  };

  Store& store_;
  const Clock& clock_;
  const Micros ttl_;
  const size_t max_entries_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> by_hash_;  // guarded by mu_
  // Bumped by invalidate(): a lookup that started before a revocation does not
  // put its (possibly stale) answer into the cache.
  uint64_t generation_ = 0;  // guarded by mu_
};

}  // namespace promptjang
