// The PromptJang API calls pj_bench_e2e makes besides ingest, and the parsing of
// ingest's answer: plain functions over an HttpClient (the real one in the tool).
// Thread safety: callable from any thread; create_endpoint blocks its caller
// (never a client thread) for at most `within`.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "delivery/http_client.h"

namespace promptjang::bench {

// POST {server}/api/v1/endpoints {"url": hook_url, "description": "bench e2e"}
// with the Bearer key; the new endpoint's id. Unauthenticated, Unavailable (no
// answer), InvalidArgument (any other refusal) or Internal (an answer without an
// id), each with a message naming what came back.
Result<std::string> create_endpoint(HttpClient& client, const std::string& server,
                                    const std::string& api_key, const std::string& hook_url,
                                    std::chrono::milliseconds within);

// The "id" of a JSON answer such as {"id": "evt_...", "status": "QUEUED"}, when
// it has a non-empty string one.
std::optional<std::string> parse_id(std::string_view json_body);

// "Authorization: Bearer KEY" and "Content-Type: application/json".
HeaderList api_headers(const std::string& api_key);

}  // namespace promptjang::bench
