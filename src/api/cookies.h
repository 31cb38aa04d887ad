// Reading the request's Cookie header (RFC 6265 §5.4, leniently) and the
// dashboard session cookie's Set-Cookie values.
//
// Parsing tolerates what browsers and proxies send: several Cookie fields, pairs
// separated by ';' with or without spaces (tabs too), values in double quotes,
// empty values and pairs without '=' (skipped). Names are case-sensitive.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/http_types.h"

namespace promptjang {

// The value of the first cookie called `name` across every Cookie field, its
// double quotes removed; nullopt when the request has none.
std::optional<std::string> find_cookie(const Headers& headers, std::string_view name);

// True when the client reached the proxy in front of us over TLS: the first
// value of X-Forwarded-Proto is "https" (any case). The server itself speaks
// plain HTTP, so this is the only way it learns it.
bool forwarded_over_https(const Headers& headers);

// `name=value; Path=/; HttpOnly; SameSite=Strict; Max-Age=N`, and `; Secure`
// when `secure`. A Max-Age of 0 with an empty value deletes the cookie.
std::string set_cookie_value(std::string_view name, std::string_view value, long max_age_seconds,
                             bool secure);

}  // namespace promptjang
