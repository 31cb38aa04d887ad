// Small helpers both SQL back ends' store methods share: error context and
// page-size clamping. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace promptjang::sql {

// `st` with "`what`: " before its message (ok stays ok).
inline Status with_context(Status st, std::string_view what) {
  if (st.is_ok()) return st;
  return Status(st.code(), std::string(what) + ": " + st.message());
}

// Clamps a page size to 1..1000.
inline int clamp_limit(int limit) { return limit < 1 ? 1 : (limit > 1000 ? 1000 : limit); }

// `s` with ASCII letters lowered: emails are unique and compared without
// regard to ASCII case (SPEC §9 login).
inline std::string lowercase_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace promptjang::sql
