// HMAC-SHA256 and constant-time comparison.
//
// Thread safety: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace promptjang {

// HMAC-SHA256 with `key` taken as raw bytes (any length, empty allowed).
std::array<uint8_t, 32> hmac_sha256(std::string_view key, std::string_view message);

// True when a and b hold the same bytes. The time taken depends only on the
// lengths, never on where the contents differ (lengths are not secret).
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace promptjang
