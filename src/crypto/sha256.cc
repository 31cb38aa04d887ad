// SHA-256 through OpenSSL's EVP interface; see sha256.h.
#include "crypto/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace promptjang {

std::array<uint8_t, 32> sha256(std::string_view data) {
  std::array<uint8_t, 32> digest{};
  unsigned int len = 0;
  // EVP_Digest with a built-in algorithm fails only on allocation failure.
  if (EVP_Digest(data.data(), data.size(), digest.data(), &len, EVP_sha256(), nullptr) != 1 ||
      len != digest.size()) {
    std::abort();
  }
  return digest;
}

std::string sha256_hex(std::string_view data) { return to_hex(sha256(data)); }

std::string to_hex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

}  // namespace promptjang
