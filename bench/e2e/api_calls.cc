// create_endpoint and the JSON helpers of api_calls.h. The blocking call waits on
// a future with a bound; its callback owns the promise through a shared_ptr, so a
// late answer (after the wait gave up) lands harmlessly.
#include "e2e/api_calls.h"

#include <boost/json.hpp>
#include <future>
#include <memory>
#include <utility>

namespace promptjang::bench {

namespace {

std::string short_body(const std::string& body) {
  constexpr size_t kMax = 300;
  return body.size() <= kMax ? body : body.substr(0, kMax) + "...";
}

}  // namespace

HeaderList api_headers(const std::string& api_key) {
  HeaderList h;
  h.emplace_back("Authorization", std::string("Bearer ") + api_key);
  h.emplace_back("Content-Type", "application/json");
  return h;
}

std::optional<std::string> parse_id(std::string_view json_body) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json_body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const boost::json::value* id = v.as_object().if_contains("id");
  if (id == nullptr || !id->is_string() || id->as_string().empty()) return std::nullopt;
  return std::string(id->as_string());
}

Result<std::string> create_endpoint(HttpClient& client, const std::string& server,
                                    const std::string& api_key, const std::string& hook_url,
                                    std::chrono::milliseconds within) {
  boost::json::object body;
  body["url"] = hook_url;
  body["description"] = "bench e2e";
  OutboundRequest req{server + "/api/v1/endpoints", api_headers(api_key),
                      boost::json::serialize(body)};

  auto promise = std::make_shared<std::promise<OutboundResult>>();
  std::future<OutboundResult> future = promise->get_future();
  client.send(std::move(req), [promise](OutboundResult r) { promise->set_value(std::move(r)); });
  if (future.wait_for(within) != std::future_status::ready) {
    return unavailable("no answer from " + server + " within " + std::to_string(within.count()) +
                       " ms");
  }
  OutboundResult r = future.get();
  if (!r.status_code) {
    return unavailable("cannot reach " + server + ": " + r.error.value_or("error") + " (" +
                       r.error_detail + ")");
  }
  const int status = *r.status_code;
  if (status == 401) {
    return unauthenticated("the server refused the API key (401): " + short_body(r.response_body));
  }
  if (status != 200 && status != 201) {
    return invalid_argument("the server answered " + std::to_string(status) + ": " +
                            short_body(r.response_body));
  }
  std::optional<std::string> id = parse_id(r.response_body);
  if (!id) return internal_error("no endpoint id in the answer: " + short_body(r.response_body));
  return *id;
}

}  // namespace promptjang::bench
