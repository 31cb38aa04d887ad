// Benchmark inputs; see bench_inputs.h.
#include "bench_inputs.h"

#include <cstdio>
#include <stdexcept>

namespace promptjang::bench {

std::string json_body(size_t size) {
  std::string body = R"({"event":"order.paid","data":{"order_id":"ord_01hzx3k5v9m2c8d4e6f0g1h2jk",)"
                     R"("amount":4999,"currency":"usd","paid_at":"2024-06-01T12:34:56Z",)"
                     R"("customer":{"id":"cus_8f3k2m9x","email":"ada@example.com"},"items":[)";
  constexpr std::string_view kTail = R"(],"memo":""}})";
  if (body.size() + kTail.size() > size) throw std::invalid_argument("json_body: too small");
  for (int i = 0;; ++i) {
    char item[96];
    const int n = std::snprintf(item, sizeof item,
                                R"(%s{"sku":"SKU-%05d","qty":%d,"price":%d,"name":"Item %d"})",
                                i ? "," : "", i, 1 + i % 3, 999 + i % 5000, i);
    if (body.size() + static_cast<size_t>(n) + kTail.size() > size) break;
    body.append(item, static_cast<size_t>(n));
  }
  body += R"(],"memo":")";
  body.append(size - body.size() - 3, 'x');
  body += R"("}})";
  return body;
}

std::string endpoint_secret() { return "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw2V4XLp1aWmo="; }

std::string event_id() { return "evt_01hzx3k5v9m2c8d4e6f0g1h2jk"; }

}  // namespace promptjang::bench
