// The JSON shapes of the API's resources (SPEC §7, §8). Pure; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "model/api_key.h"
#include "model/endpoint.h"
#include "model/event.h"

namespace promptjang {

boost::json::value time_json(const std::optional<TimePoint>& t);

// The secret only where SPEC §8 shows it (creation); never otherwise.
boost::json::object endpoint_json(const Endpoint& e, bool with_secret);
boost::json::object api_key_json(const ApiKey& k);

// A serialized event with its payload embedded verbatim; attempts when asked.
std::string event_json(const Event& e, bool with_attempts);

// The list envelope {"data": [...], "next_cursor": ...} around serialized items.
std::string list_envelope(const std::vector<std::string>& items,
                          const std::optional<std::string>& next_cursor);

}  // namespace promptjang
