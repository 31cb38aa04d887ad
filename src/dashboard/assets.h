// The dashboard's files as the binary carries them.
//
// embedded_assets() is generated at build time (embed_assets.cmake) from
// web/src/** and the pinned third-party files of web/node_modules, so the
// dashboard works offline with no CDN. The table is static and immutable:
// thread-safe to read from anywhere.
#pragma once

#include <span>
#include <string_view>

namespace promptjang::dashboard {

struct Asset {
  std::string_view url;    // "/assets/js/main.js"
  std::string_view bytes;  // the file, unchanged
};

// Every embedded file; "/assets/index.html" is the application's page.
std::span<const Asset> embedded_assets();

}  // namespace promptjang::dashboard
