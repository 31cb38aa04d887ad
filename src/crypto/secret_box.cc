// SecretBox over libsodium's crypto_secretbox; see secret_box.h.
#include "crypto/secret_box.h"

#include <sodium.h>

#include <algorithm>
#include <cstdlib>

#include "crypto/base64.h"

namespace promptjang {
namespace {

static_assert(crypto_secretbox_KEYBYTES == kMasterKeyBytes);
constexpr size_t kNonceBytes = crypto_secretbox_NONCEBYTES;
constexpr size_t kTagBytes = crypto_secretbox_MACBYTES;

bool sodium_ready() {
  static const bool ready = sodium_init() >= 0;  // idempotent, thread-safe
  return ready;
}

const unsigned char* bytes_of(std::string_view s) {
  static const unsigned char kEmpty = 0;  // libsodium wants a real pointer even for ""
  return s.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

Result<std::shared_ptr<const SecretBox>> SecretBox::create(
    std::string_view key, const std::vector<std::string>& previous) {
  if (!sodium_ready()) return internal_error("libsodium failed to initialize");
  std::shared_ptr<SecretBox> box(new SecretBox());
  auto add = [&](std::string_view k) -> Status {
    if (k.size() != kMasterKeyBytes)
      return invalid_argument("the master key must be " + std::to_string(kMasterKeyBytes) +
                              " bytes, not " + std::to_string(k.size()));
    Key& slot = box->keys_.emplace_back();
    std::copy(k.begin(), k.end(), slot.begin());
    return Status::ok();
  };
  PJ_RETURN_IF_ERROR(add(key));
  for (const auto& k : previous) PJ_RETURN_IF_ERROR(add(k));
  return std::shared_ptr<const SecretBox>(std::move(box));
}

SecretBox::~SecretBox() {
  for (Key& k : keys_) sodium_memzero(k.data(), k.size());
}

std::string SecretBox::seal(std::string_view plaintext) const {
  std::string raw(kNonceBytes + kTagBytes + plaintext.size(), '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  randombytes_buf(out, kNonceBytes);
  // crypto_secretbox_easy fails only for a message longer than it can count.
  if (crypto_secretbox_easy(out + kNonceBytes, bytes_of(plaintext), plaintext.size(), out,
                            keys_.front().data()) != 0)
    std::abort();
  return std::string(kSealedPrefix) + base64_encode(raw);
}

Result<std::string> SecretBox::open(std::string_view sealed, bool* by_previous) const {
  if (!is_sealed(sealed)) return invalid_argument("not a sealed value");
  auto raw = base64_decode(sealed.substr(kSealedPrefix.size()));
  if (!raw || raw->size() < kNonceBytes + kTagBytes)
    return invalid_argument("a sealed value is malformed");
  const auto* in = reinterpret_cast<const unsigned char*>(raw->data());
  const size_t size = raw->size() - kNonceBytes - kTagBytes;
  std::string plain(std::max<size_t>(size, 1), '\0');  // a real pointer for an empty plaintext
  auto* out = reinterpret_cast<unsigned char*>(plain.data());
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (crypto_secretbox_open_easy(out, in + kNonceBytes, raw->size() - kNonceBytes, in,
                                   keys_[i].data()) == 0) {
      if (by_previous) *by_previous = i > 0;
      plain.resize(size);
      return plain;
    }
  }
  return Status(StatusCode::kPermissionDenied, "a sealed value does not open with the master key");
}

Result<std::string> decode_master_key(std::string_view text) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  if (text.empty()) return invalid_argument("the master key is empty");
  auto key = base64_decode(text);
  if (!key)
    return invalid_argument(
        "the master key is not base64 (make one with `openssl rand -base64 32`)");
  if (key->size() != kMasterKeyBytes)
    return invalid_argument("the master key must be base64 of 32 bytes, not of " +
                            std::to_string(key->size()));
  return key;
}

std::string generate_master_key() {
  if (!sodium_ready()) std::abort();  // as randombytes would: no entropy, no key
  std::string raw(kMasterKeyBytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string out = base64_encode(raw);
  sodium_memzero(raw.data(), raw.size());
  return out;
}

}  // namespace promptjang
