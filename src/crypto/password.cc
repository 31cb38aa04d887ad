// argon2id password hashes; see password.h.
#include "crypto/password.h"

#include <sodium.h>

namespace promptjang {
namespace {

// sodium_init() is idempotent and thread-safe; the static runs it once.
bool sodium_ready() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

// libsodium takes (pointer, length); give it a real pointer even for "".
const char* data_of(std::string_view s) { return s.empty() ? "" : s.data(); }

}  // namespace

Result<std::string> hash_password(std::string_view password) {
  if (!sodium_ready()) return internal_error("libsodium failed to initialize");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, data_of(password), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return resource_exhausted("argon2id: out of memory");
  }
  return std::string(out);
}

bool verify_password(std::string_view hash, std::string_view password) {
  if (!sodium_ready()) return false;
  // libsodium reads a NUL-terminated string of at most STRBYTES - 1 characters.
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  const std::string hash_str(hash);
  return crypto_pwhash_str_verify(hash_str.c_str(), data_of(password), password.size()) == 0;
}

}  // namespace promptjang
