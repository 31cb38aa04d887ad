// gzip (RFC 1952) of a whole buffer, for the dashboard's files: compressed once
// at start-up, served to browsers that accept it.
// Thread safety: a pure function.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace promptjang::dashboard {

// `data` gzip-compressed at the best level; nullopt if zlib fails.
std::optional<std::string> gzip(std::string_view data);

// Whether an Accept-Encoding header value accepts gzip ("gzip", "gzip;q=0.5",
// "*"; not "gzip;q=0").
bool accepts_gzip(std::string_view accept_encoding);

}  // namespace promptjang::dashboard
