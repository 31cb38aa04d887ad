// Dashboard: answers the web dashboard's addresses from the embedded files.
//
// GET (and HEAD) of a page address (/, /login, /endpoints[/{id}],
// /events[/{id}], /api-keys, /usage) answers the application's page
// (index.html); /assets/... answers the file. Every answer carries an ETag
// (a revalidation with If-None-Match answers 304), Cache-Control: no-cache,
// gzip for browsers that accept it (text is compressed once, at start-up) and
// the security headers (a strict Content-Security-Policy: scripts, styles and
// requests only from this origin); another method there answers 405. Anything
// else is not the dashboard's: serve() answers nullopt and the API's router
// takes the request.
// Thread safety: immutable after construction; serve() is called concurrently.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "api/http_types.h"
#include "dashboard/assets.h"

namespace promptjang::dashboard {

class Dashboard {
 public:
  // `assets` must outlive the Dashboard (embedded_assets() is static).
  explicit Dashboard(std::span<const Asset> assets);

  std::optional<HttpResponse> serve(const HttpRequest& request) const;

  // For an address nothing else answered: a browser's GET (one that accepts
  // text/html) outside /api/ and /assets/ gets the application's page with
  // status 404, which shows its "Page not found" view; nullopt otherwise (the
  // API's JSON 404 stands).
  std::optional<HttpResponse> not_found_page(const HttpRequest& request) const;

  // Whether `path` is one of the application's page addresses.
  static bool is_page_address(std::string_view path);

 private:
  struct File {
    std::string_view bytes;
    std::string content_type;
    std::string etag;
    std::string gzipped;    // the file gzip-compressed; empty when not worth it
    std::string gzip_etag;  // the tag of the compressed representation
  };
  HttpResponse answer(const File& file, const HttpRequest& request) const;

  std::unordered_map<std::string_view, File> files_;  // by URL
  const File* page_ = nullptr;                        // index.html, if embedded
};

// The Content-Type for a file name, by its extension.
std::string content_type_for(std::string_view name);

}  // namespace promptjang::dashboard
