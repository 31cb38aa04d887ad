// At-least-once across a crash: kill -9 of the server while deliveries are in
// flight, then a restart on the same SQLite file: every event is delivered (at
// least once) and ends DELIVERED; none is lost.
#include <set>

#include "delivery_support.h"
#include "support/process.h"
#include "support/receiver.h"

namespace promptjang::testing {
namespace {

using namespace std::chrono_literals;

TEST(DeliveryCrashTest, Kill9MidFlightLosesNothing) {
  Receiver rx;
  rx.script("/slow", {200, 200ms});
  TempDir dir;
  std::vector<std::string> serve = {promptjang_binary(),
                                    "serve",
                                    "--listen",
                                    "127.0.0.1:0",
                                    "--database",
                                    "sqlite:" + dir.file("pj.db"),
                                    "--allow-private-targets",
                                    "--delivery-timeout",
                                    "1",
                                    "--connect-timeout",
                                    "1",
                                    "--lease",
                                    "2",
                                    "--retry-schedule",
                                    "0.2,0.2,0.2",
                                    "--max-in-flight-per-endpoint",
                                    "8"};
  auto server = std::make_unique<ChildProcess>(serve, dir.path().string());
  auto port = server->wait_for_port(20s);
  ASSERT_TRUE(port) << server->err();
  auto key = server->wait_for("API key:    ", 1s);
  ASSERT_TRUE(key);
  std::string auth = "Authorization: Bearer " + *key;
  std::vector<std::string> ids;
  {
    ApiDriver api("http://127.0.0.1:" + *port, auth);
    std::string ep = api.endpoint(rx.url("/slow"));
    for (int i = 0; i < 150; ++i)
      ids.push_back(api.ingest(ep, R"({"event":"crash","i":)" + std::to_string(i) + "}"));
  }
  ASSERT_TRUE(rx.wait_for("/slow", 16, 10s));
  server->kill_hard();  // with attempts in flight and most events not yet sent

  server = std::make_unique<ChildProcess>(serve, dir.path().string());
  port = server->wait_for_port(20s);
  ASSERT_TRUE(port) << server->err();
  ApiDriver api("http://127.0.0.1:" + *port, auth);
  for (const auto& id : ids) api.wait_status(id, "DELIVERED", 30s);
  std::set<std::string> received;
  for (const auto& d : rx.deliveries("/slow"))
    received.insert(d.headers.at("x-promptjang-event-id"));
  for (const auto& id : ids) EXPECT_TRUE(received.count(id)) << id << " never reached the receiver";
}

}  // namespace
}  // namespace promptjang::testing
