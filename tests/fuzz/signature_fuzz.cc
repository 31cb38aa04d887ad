// Fuzz target: the webhook signatures `promptjang listen` verifies
// (crypto/signature.h), both schemes.
//
// Invariants, for any secret, body, message id, timestamp and header:
//  - a signature verifies iff it was made with an equivalent key over the same
//    signed bytes: sign_hex/sign_standard's own output always verifies; one
//    made with another secret verifies only when HMAC cannot tell the keys
//    apart (a key of at most 64 bytes is zero-padded, a longer one hashed), or
//    for the standard scheme only when the decoded keys are such and the
//    "{id}.{timestamp}.{body}" messages are equal;
//  - a header verifies iff one of its non-empty space-separated tokens is the
//    expected signature (checked against a tokenizer of its own), so extra
//    tokens (a rotation's second signature) never hide a good one;
//  - sign_hex is 64 lowercase hex digits; sign_standard is "v1," + base64 of 32
//    bytes, and fails exactly for secrets that are not non-empty base64.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/base64.h"
#include "crypto/sha256.h"
#include "crypto/signature.h"
#include "fuzz/fuzz_check.h"

namespace promptjang {
namespace {

// What HMAC-SHA256 actually keys with: the key zero-padded to the 64-byte
// block, or its SHA-256 (then padded) when longer.
std::string hmac_block_key(std::string_view key) {
  std::string k(key);
  if (k.size() > 64) {
    auto d = sha256(k);
    k.assign(reinterpret_cast<const char*>(d.data()), d.size());
  }
  k.resize(64, '\0');
  return k;
}

// Whether some non-empty space-separated token of `header` satisfies `f`.
template <typename F>
bool some_token(std::string_view header, F f) {
  std::string token;
  for (size_t i = 0; i <= header.size(); ++i) {
    if (i == header.size() || header[i] == ' ') {
      if (!token.empty() && f(token)) return true;
      token.clear();
    } else {
      token += header[i];
    }
  }
  return false;
}

bool is_lower_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// The key of the standard scheme: the base64 after an optional "whsec_".
std::optional<std::string> standard_key(std::string_view secret) {
  if (secret.starts_with("whsec_")) secret.remove_prefix(6);
  auto k = base64_decode(secret);
  if (!k.is_ok() || k->empty()) return std::nullopt;
  return *k;
}

std::string message(std::string_view id, int64_t ts, std::string_view body) {
  return std::string(id) + "." + std::to_string(ts) + "." + std::string(body);
}

void check_hex(std::string_view secret, std::string_view other, std::string_view body,
               std::string_view other_body, std::string_view header) {
  const std::string sig = sign_hex(secret, body);
  FUZZ_CHECK(sig.size() == 64 && is_lower_hex(sig), "sign_hex gave '%s'", sig.c_str());
  FUZZ_CHECK(verify_hex(secret, body, sig), "own hex signature refused");
  FUZZ_CHECK(verify_hex(secret, body, " x " + sig + "  "), "hex signature among others refused");
  const bool same = hmac_block_key(secret) == hmac_block_key(other) && body == other_body;
  FUZZ_CHECK(verify_hex(other, other_body, sig) == same,
             "hex signature of one (secret, body) verified=%d for another (same key: %d)", !same,
             same);
  const bool expected = some_token(header, [&](const std::string& t) { return t == sig; });
  FUZZ_CHECK(verify_hex(secret, body, header) == expected, "verify_hex(header)=%d, tokens say %d",
             !expected, expected);
}

void check_standard(std::string_view secret, std::string_view other, std::string_view id,
                    int64_t ts, std::string_view body, std::string_view header) {
  auto sig = sign_standard(secret, id, ts, body);
  auto key = standard_key(secret);
  FUZZ_CHECK(sig.is_ok() == key.has_value(), "sign_standard ok=%d for a secret whose key is %s",
             sig.is_ok(), key ? "valid" : "invalid");
  if (!sig.is_ok()) {
    FUZZ_CHECK(!verify_standard(secret, id, ts, body, header), "a bad secret verified a header");
    return;
  }
  FUZZ_CHECK(sig->starts_with("v1,"), "sign_standard gave '%s'", sig->c_str());
  auto mac = base64_decode(std::string_view(*sig).substr(3));
  FUZZ_CHECK(mac.is_ok() && mac->size() == 32, "signature '%s' is not base64 of 32 bytes",
             sig->c_str());
  FUZZ_CHECK(verify_standard(secret, id, ts, body, *sig), "own standard signature refused");
  FUZZ_CHECK(verify_standard(secret, id, ts, body, "v1,x " + *sig), "rotation pair refused");
  FUZZ_CHECK(!verify_standard(secret, id, ts, body, sig->substr(3)),
             "a signature without its v1, prefix verified");
  // Another secret, and the message shifted by one byte between its fields.
  auto other_key = standard_key(other);
  const bool same_key = other_key && hmac_block_key(*key) == hmac_block_key(*other_key);
  FUZZ_CHECK(verify_standard(other, id, ts, body, *sig) == same_key,
             "standard signature verified=%d with another secret (same key: %d)", !same_key,
             same_key);
  if (!body.empty()) {
    const std::string id2 = std::string(id) + std::string(body.substr(0, 1));
    const bool same_msg = message(id2, ts, body.substr(1)) == message(id, ts, body);
    FUZZ_CHECK(verify_standard(secret, id2, ts, body.substr(1), *sig) == same_msg,
               "standard signature moved to other fields verified=%d", !same_msg);
  }
  FUZZ_CHECK(verify_standard(secret, id, ts + 1, body, *sig) == false,
             "standard signature verified for another timestamp");
  const bool expected = some_token(header, [&](const std::string& t) { return t == *sig; });
  FUZZ_CHECK(verify_standard(secret, id, ts, body, header) == expected,
             "verify_standard(header)=%d, tokens say %d", !expected, expected);
}

}  // namespace
}  // namespace promptjang

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const std::string secret = in.ConsumeRandomLengthString(128);
  const std::string other = in.ConsumeRandomLengthString(128);
  const std::string id = in.ConsumeRandomLengthString(64);
  const int64_t ts = in.ConsumeIntegralInRange<int64_t>(INT64_MIN, INT64_MAX - 1);
  const std::string header = in.ConsumeRandomLengthString(512);
  const std::string other_body = in.ConsumeRandomLengthString(64);
  const std::string body = in.ConsumeRemainingBytesAsString();
  promptjang::check_hex(secret, other, body, other_body, header);
  promptjang::check_standard(secret, other, id, ts, body, header);
  return 0;
}
