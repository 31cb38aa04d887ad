// SecureRandom; see secure_random.h.
#include "crypto/secure_random.h"

#include <openssl/err.h>
#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>

namespace promptjang {

void SecureRandom::fill(std::span<uint8_t> out) {
  while (!out.empty()) {
    const size_t n = std::min<size_t>(out.size(), INT_MAX);
    if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
      std::fprintf(stderr, "promptjang: fatal: OpenSSL RAND_bytes failed (error %lu)\n",
                   ERR_get_error());
      std::abort();
    }
    out = out.subspan(n);
  }
}

}  // namespace promptjang
