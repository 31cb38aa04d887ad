// RFC 3339 UTC formatting and parsing of TimePoints ("2026-11-30T01:14:15.123Z").
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"

namespace promptjang {

// Millisecond precision, always UTC with a trailing 'Z'.
std::string format_rfc3339(TimePoint t);

// Accepts "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)"; 't' and 'z' too.
Result<TimePoint> parse_rfc3339(std::string_view s);

}  // namespace promptjang
