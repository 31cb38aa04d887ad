// SHA-256 digests and lowercase hex encoding.
//
// Used for API key hashes (SPEC §2: only SHA-256 of the key is stored).
// Thread safety: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace promptjang {

std::array<uint8_t, 32> sha256(std::string_view data);

// Lowercase hex of sha256(data): 64 characters.
std::string sha256_hex(std::string_view data);

// Lowercase hex, two characters per byte.
std::string to_hex(std::span<const uint8_t> bytes);

}  // namespace promptjang
