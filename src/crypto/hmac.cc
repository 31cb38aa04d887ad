// HMAC-SHA256 through OpenSSL; see hmac.h.
#include "crypto/hmac.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <climits>
#include <cstdlib>

#include "crypto/sha256.h"

namespace promptjang {

std::array<uint8_t, 32> hmac_sha256(std::string_view key, std::string_view message) {
  if (key.size() > INT_MAX) {
    // HMAC replaces a key longer than the block size by its hash; doing it here
    // keeps the result exact for a length OpenSSL's int parameter cannot hold.
    const auto hashed = sha256(key);
    return hmac_sha256(std::string_view(reinterpret_cast<const char*>(hashed.data()), 32), message);
  }
  // OpenSSL wants non-null pointers even for empty inputs.
  static const unsigned char kEmpty = 0;
  const void* key_ptr = key.empty() ? &kEmpty : static_cast<const void*>(key.data());
  const auto* msg_ptr =
      message.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(message.data());
  std::array<uint8_t, 32> mac{};
  unsigned int len = 0;
  // HMAC with a built-in digest fails only on allocation failure.
  if (HMAC(EVP_sha256(), key_ptr, static_cast<int>(key.size()), msg_ptr, message.size(), mac.data(),
           &len) == nullptr ||
      len != mac.size()) {
    std::abort();
  }
  return mac;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace promptjang
