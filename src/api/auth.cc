// API key authentication; see auth.h.
#include "api/auth.h"

#include <algorithm>
#include <cctype>

#include "crypto/sha256.h"
#include "crypto/tokens.h"

namespace promptjang {
namespace {

constexpr auto kTouchEvery = std::chrono::minutes(1);
constexpr std::string_view kBearer = "Bearer ";

}  // namespace

Result<Principal> KeyCache::authenticate(std::optional<std::string_view> header) {
  if (!header) return unauthenticated("missing Authorization header (Bearer pj_live_...)");
  std::string_view h = *header;
  if (h.size() < kBearer.size() ||
      !std::equal(kBearer.begin(), kBearer.end(), h.begin(),
                  [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
    return unauthenticated("Authorization must be 'Bearer pj_live_...'");
  std::string_view key = h.substr(kBearer.size());
  while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
  if (!is_well_formed_api_key(key)) return unauthenticated("malformed API key");

  std::string hash = sha256_hex(key);
  TimePoint now = clock_.now();
  uint64_t generation;
  {
    std::lock_guard lock(mu_);
    generation = generation_;
    auto it = by_hash_.find(hash);
    if (it != by_hash_.end() && now - it->second.fetched_at < ttl_) {
      if (now - it->second.touched_at >= kTouchEvery) {
        it->second.touched_at = now;
        store_.touch_api_key(it->second.principal.key_id, now);
      }
      return it->second.principal;
    }
  }

  auto rec = store_.find_api_key_by_hash(hash);
  if (!rec) {
    if (rec.status().code() == StatusCode::kNotFound) return unauthenticated("unknown API key");
    return rec.status();
  }
  if (rec->revoked_at) return unauthenticated("this API key was revoked");
  auto account = store_.get_account(rec->account_id);
  if (!account) {
    if (account.status().code() == StatusCode::kNotFound) return unauthenticated("unknown API key");
    return account.status();
  }
  Principal p{std::move(*account), rec->id, std::nullopt};
  store_.touch_api_key(p.key_id, now);
  std::lock_guard lock(mu_);
  if (generation != generation_) return p;  // a revocation raced with us: do not cache
  if (by_hash_.size() >= max_entries_) by_hash_.clear();  // crude but bounded
  by_hash_[hash] = Entry{p, now, now};
  return p;
}

void KeyCache::invalidate(std::string_view key_id) {
  std::lock_guard lock(mu_);
  ++generation_;
  std::erase_if(by_hash_, [&](const auto& kv) { return kv.second.principal.key_id == key_id; });
}

void KeyCache::invalidate_account(std::string_view account_id) {
  std::lock_guard lock(mu_);
  ++generation_;
  std::erase_if(by_hash_,
                [&](const auto& kv) { return kv.second.principal.account.id == account_id; });
}

}  // namespace promptjang
