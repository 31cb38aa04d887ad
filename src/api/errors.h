// The one mapping from errors to HTTP answers: every error body of the API is
// {"error": {"code": "...", "message": "..."}} (SPEC §4).
// Pure functions; thread-safe.
#pragma once

#include <string_view>

#include "api/http_types.h"
#include "core/status.h"

namespace promptjang {

// An error answer with an explicit HTTP status and machine-readable code.
HttpResponse error_response(int http_status, std::string_view code, std::string_view message);

// An error answer for a Status that no handler gave a more precise code to:
// InvalidArgument 400 invalid_request, NotFound 404 not_found, Unauthenticated 401
// unauthorized, AlreadyExists 409 conflict, ResourceExhausted 413, Unavailable 503
// unavailable, anything else 500 internal (its message is not shown).
HttpResponse status_response(const Status& status);

}  // namespace promptjang
