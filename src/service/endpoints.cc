// Endpoints; see endpoints.h.
#include "service/endpoints.h"

#include <boost/url/parse.hpp>

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
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return invalid_argument("url is not an absolute URL: " + std::string(url));
  auto scheme = parsed->scheme_id();
  if (scheme != boost::urls::scheme::http && scheme != boost::urls::scheme::https)
    return invalid_argument("url must use http or https");
  if (!parsed->has_authority() || parsed->host().empty())
    return invalid_argument("url must name a host");
  if (parsed->has_userinfo()) return invalid_argument("url must not carry user info");
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
