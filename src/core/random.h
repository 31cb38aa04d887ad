// Random: the injected source of randomness (ids, keys, secrets, session tokens).
//
// The production implementation (crypto/secure_random.h) draws from the OS CSPRNG
// through OpenSSL; tests may inject a seeded one. Implementations must be safe to
// call from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace promptjang {

class Random {
 public:
  virtual ~Random() = default;
  virtual void fill(std::span<uint8_t> out) = 0;
};

}  // namespace promptjang
