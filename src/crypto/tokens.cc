// Keys, secrets and tokens; see tokens.h.
#include "crypto/tokens.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "crypto/base64.h"
#include "crypto/sha256.h"

namespace promptjang {
namespace {

constexpr std::string_view kBase62 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
// The largest multiple of 62 that fits in a byte: bytes at or above it are
// rejected so that `byte % 62` is uniform.
constexpr unsigned kBase62Limit = 256 / 62 * 62;  // 248

std::string random_base62(Random& random, size_t n) {
  std::string out;
  out.reserve(n);
  std::array<uint8_t, 64> buf{};
  while (out.size() < n) {
    // Draw a little more than needed: about 3% of bytes are rejected.
    const size_t want = std::min(buf.size(), n - out.size() + 8);
    random.fill(std::span(buf.data(), want));
    for (size_t i = 0; i < want && out.size() < n; ++i)
      if (buf[i] < kBase62Limit) out.push_back(kBase62[buf[i] % 62]);
  }
  return out;
}

bool is_base62(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

}  // namespace

NewApiKey generate_api_key(Random& random) {
  NewApiKey k;
  k.key = std::string(kApiKeyPrefix) + random_base62(random, kApiKeyRandomChars);
  k.prefix = api_key_prefix(k.key);
  k.hash = sha256_hex(k.key);
  return k;
}

bool is_well_formed_api_key(std::string_view key) {
  if (key.size() != kApiKeyLength || !key.starts_with(kApiKeyPrefix)) return false;
  for (char c : key.substr(kApiKeyPrefix.size()))
    if (!is_base62(c)) return false;
  return true;
}

std::string api_key_prefix(std::string_view key) {
  return std::string(key.substr(0, kApiKeyVisiblePrefixLength));
}

std::string generate_endpoint_secret(Random& random) {
  std::array<uint8_t, kEndpointSecretBytes> bytes{};
  random.fill(bytes);
  return std::string(kEndpointSecretPrefix) +
         base64_encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

bool is_well_formed_endpoint_secret(std::string_view secret) {
  if (!secret.starts_with(kEndpointSecretPrefix)) return false;
  auto decoded = base64_decode(secret.substr(kEndpointSecretPrefix.size()));
  return decoded.is_ok() && decoded->size() == kEndpointSecretBytes;
}

std::string generate_password(Random& random) { return random_base62(random, 24); }

std::string random_token(Random& random, size_t bytes) {
  std::vector<uint8_t> buf(bytes);
  random.fill(buf);
  return to_hex(buf);
}

}  // namespace promptjang
