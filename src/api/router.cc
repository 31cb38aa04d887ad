// Route matching; see router.h.
#include "api/router.h"

namespace promptjang {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

void Router::add(std::string method, std::string pattern, RouteHandler handler) {
  Route r{std::move(method), {}, std::move(handler)};
  for (auto seg : split_path(pattern))
    r.segments.emplace_back(seg.size() > 1 && seg.front() == '{' ? "{}" : std::string(seg));
  routes_.push_back(std::move(r));
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  Match m;
  auto parts = split_path(path);
  for (const auto& r : routes_) {
    if (r.segments.size() != parts.size()) continue;
    PathParams params;
    bool ok = true;
    for (size_t i = 0; i < parts.size() && ok; ++i) {
      if (r.segments[i] == "{}")
        params.push_back(parts[i]);
      else
        ok = r.segments[i] == parts[i];
    }
    if (!ok) continue;
    // A HEAD is a GET whose answer the server sends without its body.
    if (r.method == method || (method == "HEAD" && r.method == "GET")) {
      m.handler = &r.handler;
      m.params = std::move(params);
      return m;
    }
    if (!m.allowed.empty()) m.allowed += ", ";
    m.allowed += r.method;
    if (r.method == "GET") m.allowed += ", HEAD";
  }
  return m;
}

}  // namespace promptjang
