// Dashboard; see dashboard.h.
#include "dashboard/dashboard.h"

#include <array>

#include "api/errors.h"
#include "crypto/sha256.h"
#include "dashboard/gzip.h"

namespace promptjang::dashboard {
namespace {

constexpr std::string_view kPageUrl = "/assets/index.html";

// Scripts, styles, images and requests from this origin only; uPlot sets
// element styles from script (CSSOM), which style-src does not restrict.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Whether the If-None-Match header names `etag` ("*", or a list of tags, weak or not).
bool matches(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match == "*") return true;
  size_t i = 0;
  while (i < if_none_match.size()) {
    size_t j = if_none_match.find(',', i);
    if (j == std::string_view::npos) j = if_none_match.size();
    auto tag = if_none_match.substr(i, j - i);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == etag) return true;
    i = j + 1;
  }
  return false;
}

}  // namespace

std::string content_type_for(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".json", "application/json"},
      {".woff2", "font/woff2"},
  }};
  for (const auto& [ext, type] : kTypes)
    if (ends_with(name, ext)) return std::string(type);
  return "application/octet-stream";
}

Dashboard::Dashboard(std::span<const Asset> assets) {
  for (const auto& a : assets) {
    std::string tag = sha256_hex(a.bytes).substr(0, 32);
    File f{a.bytes, content_type_for(a.url), "\"" + tag + "\"", {}, "\"" + tag + "-gzip\""};
    // Text compresses to a quarter or so; a gain under 10% is not worth it.
    if (f.content_type.rfind("text/", 0) == 0 || f.content_type == "image/svg+xml" ||
        f.content_type == "application/json") {
      auto gz = gzip(a.bytes);
      if (gz && gz->size() < a.bytes.size() * 9 / 10) f.gzipped = std::move(*gz);
    }
    files_.emplace(a.url, std::move(f));
  }
  if (auto it = files_.find(kPageUrl); it != files_.end()) page_ = &it->second;
}

bool Dashboard::is_page_address(std::string_view path) {
  if (path == "/" || path == "/login" || path == "/endpoints" || path == "/events" ||
      path == "/api-keys" || path == "/usage")
    return true;
  // One more segment, not empty and without a further '/': /events/evt_...
  for (std::string_view prefix : {std::string_view("/endpoints/"), std::string_view("/events/")}) {
    if (path.substr(0, prefix.size()) != prefix) continue;
    auto rest = path.substr(prefix.size());
    return !rest.empty() && rest.find('/') == std::string_view::npos;
  }
  return false;
}

std::optional<HttpResponse> Dashboard::serve(const HttpRequest& request) const {
  const File* file = nullptr;
  if (is_page_address(request.path)) {
    file = page_;
  } else if (request.path.substr(0, 8) == "/assets/" && request.path != kPageUrl) {
    if (auto it = files_.find(request.path); it != files_.end()) file = &it->second;
  }
  if (!file) return std::nullopt;
  if (request.method != "GET" && request.method != "HEAD") {
    HttpResponse r = error_response(405, "method_not_allowed",
                                    request.method + " is not allowed here; allowed: GET, HEAD");
    r.headers.add("Allow", "GET, HEAD");
    return r;
  }
  return answer(*file, request);
}

std::optional<HttpResponse> Dashboard::not_found_page(const HttpRequest& request) const {
  if (!page_ || (request.method != "GET" && request.method != "HEAD")) return std::nullopt;
  if (request.path.substr(0, 5) == "/api/" || request.path.substr(0, 8) == "/assets/")
    return std::nullopt;
  auto accept = request.headers.get("Accept");
  if (!accept || accept->find("text/html") == std::string_view::npos) return std::nullopt;
  HttpResponse r = answer(*page_, request);
  if (r.status == 200) r.status = 404;
  return r;
}

HttpResponse Dashboard::answer(const File& file, const HttpRequest& request) const {
  auto ae = request.headers.get("Accept-Encoding");
  bool gzipped = !file.gzipped.empty() && ae && accepts_gzip(*ae);
  // Each encoding is its own representation, with its own tag.
  const std::string& etag = gzipped ? file.gzip_etag : file.etag;
  HttpResponse r;
  r.content_type = file.content_type;
  r.headers.add("ETag", etag);
  r.headers.add("Cache-Control", "no-cache");
  if (!file.gzipped.empty()) r.headers.add("Vary", "Accept-Encoding");
  r.headers.add("Content-Security-Policy", std::string(kContentSecurityPolicy));
  r.headers.add("X-Frame-Options", "DENY");
  r.headers.add("X-Content-Type-Options", "nosniff");
  r.headers.add("Referrer-Policy", "same-origin");
  if (auto inm = request.headers.get("If-None-Match"); inm && matches(*inm, etag)) {
    r.status = 304;
    return r;
  }
  if (gzipped) {
    r.headers.add("Content-Encoding", "gzip");
    r.body = file.gzipped;
  } else {
    r.body = std::string(file.bytes);
  }
  return r;
}

}  // namespace promptjang::dashboard
