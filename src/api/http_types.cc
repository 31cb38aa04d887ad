// Case-insensitive header lookup; see http_types.h.
#include "api/http_types.h"

#include <strings.h>

namespace promptjang {

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const auto& [k, v] : fields_)
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  return std::nullopt;
}

}  // namespace promptjang
