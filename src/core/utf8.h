// UTF-8 well-formedness, for text that must be valid UTF-8 on its way out (JSON
// error bodies, log lines) and for checking text that claims to be. One decoder:
// a sequence is well formed when its lead byte announces 1 to 4 bytes, each
// continuation byte is 10xxxxxx, and the code point is neither overlong, nor a
// surrogate, nor past U+10FFFF. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace promptjang {

// The length of the well-formed sequence starting at s[i] (1 for ASCII), or 0
// when none starts there. Precondition: i < s.size().
size_t utf8_sequence_length(std::string_view s, size_t i);

bool is_valid_utf8(std::string_view s);

// `s` with every byte that is not part of a well-formed sequence replaced by
// U+FFFD.
std::string to_valid_utf8(std::string_view s);

inline constexpr std::string_view kUtf8Replacement = "\xEF\xBF\xBD";  // U+FFFD

}  // namespace promptjang
