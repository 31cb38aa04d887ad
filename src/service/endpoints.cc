// Endpoints; see endpoints.h.
#include "service/endpoints.h"

#include <boost/url/parse.hpp>
#include <cctype>
#include <charconv>

#include "core/ids.h"
#include "crypto/tokens.h"

namespace promptjang {
namespace {

constexpr size_t kMaxUrlLength = 2048;
constexpr size_t kMaxDescriptionLength = 1024;

Status validate_description(std::string_view d) {
  if (d.size() > kMaxDescriptionLength)
    return invalid_argument("description is over 1024 characters");
  return Status::ok();
}

}  // namespace

Status validate_endpoint_url(std::string_view url) {
  if (url.empty()) return invalid_argument("url is required");
  if (url.size() > kMaxUrlLength) return invalid_argument("url is over 2048 characters");
  // Only the characters RFC 3986 lets a URL hold, checked before Boost.URL sees
  // the text: Boost 1.81's parse_absolute_uri fails an assertion on "http:<"
  // (a scheme, then a character no path may start with), which aborts a build
  // with assertions on (found by tests/fuzz/url_fuzz).
  for (unsigned char c : url) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("-._~:/?#[]@!$&'()*+,;=%").find(static_cast<char>(c)) !=
                        std::string_view::npos;
    if (!ok)
      return invalid_argument(
          "url holds a character a URL cannot (a space, a quote, <>, {}, |, \\, ^, `, a control "
          "or non-ASCII character): percent-encode it");
  }
  // "http://" or "https://" (any case) first, for the same reason: Boost 1.81
  // fails the same assertion on a scheme followed by an empty path ("x:?").
  auto starts_with_nocase = [&](std::string_view p) {
    if (url.size() < p.size()) return false;
    for (size_t i = 0; i < p.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(url[i])) != p[i]) return false;
    return true;
  };
  if (!starts_with_nocase("http://") && !starts_with_nocase("https://"))
    return invalid_argument("url must use http or https (http://host/...)");
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return invalid_argument("url is not an absolute URL: " + std::string(url));
  auto scheme = parsed->scheme_id();
  if (scheme != boost::urls::scheme::http && scheme != boost::urls::scheme::https)
    return invalid_argument("url must use http or https");
  if (!parsed->has_authority() || parsed->host().empty())
    return invalid_argument("url must name a host");
  if (parsed->has_userinfo()) return invalid_argument("url must not carry user info");
  // What the senders can connect to (found by tests/fuzz/url_fuzz): a name or
  // an IPv4/IPv6 address, not an IPvFuture literal ("[v1.x]"); a port of 1 to
  // 65535; a host whose decoded form ("%0d%0a", "%00") has no control
  // character or space, since it goes to the resolver and the Host header.
  if (parsed->host_type() == boost::urls::host_type::ipvfuture)
    return invalid_argument("url's host must be a name or an IPv4 or IPv6 address");
  if (parsed->has_port() && !parsed->port().empty()) {
    const std::string_view port = parsed->port();
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value < 1 || value > 65535)
      return invalid_argument("url's port must be 1 to 65535");
  }
  for (unsigned char c : parsed->host())
    if (c <= 0x20 || c == 0x7f)
      return invalid_argument("url's host must not contain spaces or control characters");
  return Status::ok();
}

Result<Endpoint> create_endpoint(const ServiceDeps& deps, std::string_view account_id,
                                 std::string_view url, std::string_view description, bool enabled) {
  PJ_RETURN_IF_ERROR(validate_endpoint_url(url));
  PJ_RETURN_IF_ERROR(validate_description(description));
  Endpoint e;
  e.id = deps.ids.next(id_prefix::kEndpoint);
  e.account_id = std::string(account_id);
  e.url = std::string(url);
  e.description = std::string(description);
  e.enabled = enabled;
  e.secret = generate_endpoint_secret(deps.random);
  e.created_at = e.updated_at = deps.clock.now();
  PJ_RETURN_IF_ERROR(deps.store.create_endpoint(e));
  return e;
}

Result<Endpoint> update_endpoint(const ServiceDeps& deps, std::string_view account_id,
                                 std::string_view endpoint_id, const EndpointPatch& patch) {
  if (patch.url) PJ_RETURN_IF_ERROR(validate_endpoint_url(*patch.url));
  if (patch.description) PJ_RETURN_IF_ERROR(validate_description(*patch.description));
  auto e = deps.store.get_endpoint(account_id, endpoint_id);
  if (!e) return e.status();
  if (patch.url) e->url = *patch.url;
  if (patch.description) e->description = *patch.description;
  if (patch.enabled) e->enabled = *patch.enabled;
  e->updated_at = deps.clock.now();
  PJ_RETURN_IF_ERROR(deps.store.update_endpoint(*e));
  return e;
}

Result<Endpoint> rotate_endpoint_secret(const ServiceDeps& deps, std::string_view account_id,
                                        std::string_view endpoint_id) {
  auto e = deps.store.get_endpoint(account_id, endpoint_id);
  if (!e) return e.status();
  TimePoint now = deps.clock.now();
  e->previous_secret = e->secret;
  e->previous_secret_expires_at = now + kSecretOverlap;
  e->secret = generate_endpoint_secret(deps.random);
  e->updated_at = now;
  PJ_RETURN_IF_ERROR(deps.store.update_endpoint(*e));
  return e;
}

}  // namespace promptjang
