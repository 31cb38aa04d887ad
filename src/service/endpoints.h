// Domain operations on endpoints: validation of target URLs, creation with a
// fresh secret, partial updates and secret rotation (the old secret keeps signing
// for 24 hours). Shared by the API and the dashboard.
// Thread safety: stateless; as safe as the Store.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "model/endpoint.h"
#include "service/deps.h"

namespace promptjang {

inline constexpr auto kSecretOverlap = std::chrono::hours(24);

// InvalidArgument unless `url` is an absolute http(s) URL with a host (a name,
// IPv4 or IPv6 address, no control character or space once decoded), a port of
// 1 to 65535 if one is written, at most 2048 characters, without user info or
// fragment.
Status validate_endpoint_url(std::string_view url);

Result<Endpoint> create_endpoint(const ServiceDeps& deps, std::string_view account_id,
                                 std::string_view url, std::string_view description, bool enabled);

struct EndpointPatch {
  std::optional<std::string> url;
  std::optional<std::string> description;
  std::optional<bool> enabled;
};
Result<Endpoint> update_endpoint(const ServiceDeps& deps, std::string_view account_id,
                                 std::string_view endpoint_id, const EndpointPatch& patch);

// A new secret; the old one is kept as previous_secret for kSecretOverlap.
Result<Endpoint> rotate_endpoint_secret(const ServiceDeps& deps, std::string_view account_id,
                                        std::string_view endpoint_id);

}  // namespace promptjang
