// ApiHandler: the HttpHandler that serves PromptJang's JSON API (SPEC §4, §7, §8)
// and its health routes. It owns the route table; the resources' handlers live
// one file each (*_routes.cc).
//
// preflight() authenticates /api/ requests before their body is read (an API
// key, or the dashboard's session cookie with its CSRF check), so an
// unauthenticated client never gets to upload, and sets the body limit: the
// plan's payload limit for ingest, kManagementBodyLimit for everything else.
// The session route (sign-in, sign-out) authenticates by itself.
// Thread safety: the route table is built in the constructor and only read after.
#pragma once

#include "api/context.h"
#include "api/http_types.h"
#include "api/router.h"

namespace promptjang {

inline constexpr size_t kManagementBodyLimit = 64 * 1024;
inline constexpr size_t kSessionBodyLimit = 4 * 1024;  // an email and a password

class ApiHandler final : public HttpHandler {
 public:
  explicit ApiHandler(ApiContext ctx);

  std::variant<size_t, HttpResponse> preflight(HttpRequest& head) override;
  void handle(HttpRequest request, Respond respond) override;

 private:
  ApiContext ctx_;
  Router router_;
};

}  // namespace promptjang
