// SecureRandom: the production Random, drawing from the OS CSPRNG through OpenSSL.
//
// Thread safety: fill() may be called from any thread (RAND_bytes is thread-safe).
#pragma once

#include "core/random.h"

namespace promptjang {

class SecureRandom final : public Random {
 public:
  // Aborts the process if OpenSSL cannot produce random bytes: keys and secrets
  // must never be made from a failed draw, and a healthy system never fails it.
  void fill(std::span<uint8_t> out) override;
};

}  // namespace promptjang
