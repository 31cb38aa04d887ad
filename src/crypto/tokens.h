// Secrets handed to people and programs: API keys, endpoint secrets, generated
// passwords and session/CSRF tokens (SPEC §2, §3, §9).
//
// Every generator takes the injected Random, so tests can make them
// deterministic; production passes a SecureRandom. Base62 characters are drawn
// by rejection sampling, so each of the 62 is equally likely.
// Thread safety: pure functions apart from the Random, which must be thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/random.h"

namespace promptjang {

inline constexpr std::string_view kApiKeyPrefix = "pj_live_";
inline constexpr size_t kApiKeyRandomChars = 32;  // 32 * log2(62) ≈ 190 bits
inline constexpr size_t kApiKeyLength = kApiKeyPrefix.size() + kApiKeyRandomChars;
inline constexpr size_t kApiKeyVisiblePrefixLength = 12;
inline constexpr std::string_view kEndpointSecretPrefix = "whsec_";
inline constexpr size_t kEndpointSecretBytes = 32;

struct NewApiKey {
  std::string key;     // shown once, never stored
  std::string prefix;  // first 12 characters, shown in listings
  std::string hash;    // sha256_hex(key), the only thing stored
};

// "pj_live_" + 32 base62 characters, with its prefix and hash.
NewApiKey generate_api_key(Random& random);

// True for "pj_live_" followed by exactly 32 base62 characters.
bool is_well_formed_api_key(std::string_view key);

// The first 12 characters of `key` (all of it if shorter).
std::string api_key_prefix(std::string_view key);

// "whsec_" + base64 of 32 random bytes.
std::string generate_endpoint_secret(Random& random);

// True for "whsec_" followed by canonical base64 of exactly 32 bytes.
bool is_well_formed_endpoint_secret(std::string_view secret);

// 24 base62 characters (≈ 143 bits), for a generated owner password.
std::string generate_password(Random& random);

// Lowercase hex of `bytes` random bytes (2 * bytes characters).
std::string random_token(Random& random, size_t bytes);

}  // namespace promptjang
