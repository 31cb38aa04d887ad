// Base64 (RFC 4648 §4): standard alphabet, with '=' padding.
//
// Decoding is strict, so a value has exactly one accepted spelling: the length
// must be a multiple of 4, only the last two characters may be '=', no
// whitespace, and the unused bits of the last character must be zero.
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace promptjang {

std::string base64_encode(std::string_view bytes);

// The decoded bytes, or InvalidArgument for any text that base64_encode could
// not have produced.
Result<std::string> base64_decode(std::string_view text);

}  // namespace promptjang
