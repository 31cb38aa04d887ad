// Realistic inputs shared by the micro-benchmarks: webhook event bodies of an
// exact size ({"event":"order.paid","data":{...}}, valid JSON), the sizes used
// where size matters, and a fixed endpoint secret.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace promptjang::bench {

inline constexpr int64_t kSmallBody = 300;             // a typical event
inline constexpr int64_t kLargeBody = 64 * 1024;       // a fat event
inline constexpr int64_t kHugeBody = 2 * 1024 * 1024;  // near the body limit

// A valid JSON event body of exactly `size` bytes (at least 200): an
// "order.paid" event whose data holds a customer, as many line items as fit and
// a "memo" string padding it to the byte.
std::string json_body(size_t size);

// A well-formed endpoint secret ("whsec_" + base64 of 32 bytes), fixed so runs
// compare.
std::string endpoint_secret();

// An event id as IdGenerator makes them (fixed).
std::string event_id();

}  // namespace promptjang::bench
