// The checks ingest makes on an event's body and media type (SPEC §4), apart
// from the route so that they are unit-tested and micro-benchmarked alone.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace promptjang {

// A media type of "application/json", parameters (charset=...) allowed,
// case-insensitive.
bool is_json_media_type(std::string_view content_type);

// Validates `body` as JSON (InvalidArgument with the parser's reason if not)
// and returns its top-level "event" string, if it has one.
Result<std::optional<std::string>> validate_payload(std::string_view body);

}  // namespace promptjang
