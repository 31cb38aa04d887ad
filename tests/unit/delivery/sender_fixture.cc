// The clients SenderTest runs against: every TEST_P(SenderTest, ...) of this
// binary runs once per client, named .../curl and .../beast.
#include "unit/delivery/sender_fixture.h"

#include "delivery/beast_client.h"
#include "delivery/curl_client.h"

namespace promptjang::testing {

ClientFactory curl_factory() {
  return {"curl", [](const BeastClientOptions& o, const Clock& clock, Logger& logger) {
            CurlClientOptions options;
            options.connect_timeout = o.connect_timeout;
            options.total_timeout = o.total_timeout;
            options.allow_private_targets = o.allow_private_targets;
            options.max_total_connections = o.max_total_connections;
            options.max_host_connections = o.max_host_connections;
            options.user_agent = o.user_agent;
            return std::unique_ptr<HttpClient>(
                std::make_unique<CurlHttpClient>(options, clock, logger));
          }};
}

ClientFactory beast_factory() {
  return {"beast", [](const BeastClientOptions& o, const Clock& clock, Logger& logger) {
            return std::unique_ptr<HttpClient>(std::make_unique<BeastHttpClient>(o, clock, logger));
          }};
}

INSTANTIATE_TEST_SUITE_P(Clients, SenderTest, ::testing::Values(curl_factory(), beast_factory()),
                         [](const ::testing::TestParamInfo<ClientFactory>& info) {
                           return info.param.name;
                         });

}  // namespace promptjang::testing
