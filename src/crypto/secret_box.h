// SecretBox: secrets sealed at rest with a master key (libsodium's
// crypto_secretbox_easy: XSalsa20-Poly1305, authenticated).
//
// A sealed value is text, so it fits the columns that held the plaintext:
//   "pjsb1:" + base64(nonce[24] || tag[16] || ciphertext)
// The prefix names the format's version and tells a sealed value from a
// plaintext one (an endpoint secret is "whsec_..."), so a database can hold
// both while plaintext values are being sealed. Every seal() draws a fresh
// random nonce (libsodium's randombytes, the OS CSPRNG): the same secret
// sealed twice gives two different values, and with 24-byte nonces random
// ones never repeat in practice.
// open() fails for a value it cannot authenticate: one sealed with another
// key, or altered. A box may also hold previous keys (a master key being
// rotated): it seals only with the current key and opens with any of them,
// telling the caller when a previous key opened the value (to seal it again).
// Thread safety: immutable after create(); seal and open may be called from
// any thread. The key is wiped when the box is destroyed.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace promptjang {

inline constexpr std::string_view kSealedPrefix = "pjsb1:";
inline constexpr size_t kMasterKeyBytes = 32;

class SecretBox {
 public:
  // InvalidArgument unless `key` and each of `previous` are exactly
  // kMasterKeyBytes bytes; Internal when libsodium cannot start.
  static Result<std::shared_ptr<const SecretBox>> create(
      std::string_view key, const std::vector<std::string>& previous = {});
  ~SecretBox();
  SecretBox(const SecretBox&) = delete;
  SecretBox& operator=(const SecretBox&) = delete;

  // The sealed form of `plaintext` (see the top of this file).
  std::string seal(std::string_view plaintext) const;
  // The plaintext of a sealed value. InvalidArgument when `sealed` is not in
  // the sealed form; PermissionDenied when it opens with none of the keys
  // (another key, or altered). *by_previous (when given) tells whether a
  // previous key, not the current one, opened it.
  Result<std::string> open(std::string_view sealed, bool* by_previous = nullptr) const;

  // True when `stored` has the sealed form's prefix.
  static bool is_sealed(std::string_view stored) { return stored.starts_with(kSealedPrefix); }

 private:
  using Key = std::array<unsigned char, kMasterKeyBytes>;
  SecretBox() = default;
  std::vector<Key> keys_;  // the current key first, then the previous ones
};

// The master key written as base64 of 32 bytes (surrounding whitespace, such
// as the newline a key file ends with, is ignored). InvalidArgument, saying
// what is wrong but never echoing the value, for anything else.
Result<std::string> decode_master_key(std::string_view text);

// A new master key, base64 of 32 random bytes (for `promptjang master-key generate`).
std::string generate_master_key();

}  // namespace promptjang
