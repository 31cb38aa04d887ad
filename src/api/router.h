// Router: a table of (method, path pattern) -> handler that tells a missing path
// (404) from a wrong method on a known path (405, with Allow).
//
// Patterns are literal segments and `{name}` placeholders that match one
// non-empty segment: "/api/v1/endpoints/{id}/secret". A HEAD matches a GET
// route (the server sends its answer without the body), and `allowed` names
// HEAD after GET. The table is built once at
// start-up and only read afterwards, so matching is thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_types.h"

namespace promptjang {

// The values of a route's placeholders, in order; views into the request path.
using PathParams = std::vector<std::string_view>;

using RouteHandler = std::function<void(HttpRequest&, const PathParams&, Respond)>;

class Router {
 public:
  void add(std::string method, std::string pattern, RouteHandler handler);

  struct Match {
    const RouteHandler* handler = nullptr;  // null: see allowed
    PathParams params;
    std::string allowed;  // "GET, HEAD, POST" when the path is known but not the method
  };
  Match match(std::string_view method, std::string_view path) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{}" for a placeholder
    RouteHandler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace promptjang
