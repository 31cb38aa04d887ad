// Telemetry: each observed fact becomes its metrics and its log line (the
// integration tests logs_test and metrics_scrape_test check the same on the
// real binary; this pins the mapping itself, deterministically).
#include "app/telemetry.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

namespace promptjang {
namespace {

using namespace std::chrono_literals;

class TelemetryTest : public ::testing::Test {
 protected:
  TelemetryTest()
      : logger_(make_logger("t", std::make_shared<spdlog::sinks::ostream_sink_mt>(out_), "info",
                            LogFormat::kLogfmt)) {}

  // The value of one sample line of the rendered text ("name{labels}").
  std::string sample(const std::string& series) {
    std::string text = telemetry_.render();
    size_t at = text.find("\n" + series + " ");
    if (at == std::string::npos) return "(absent)";
    size_t start = at + series.size() + 2;
    return text.substr(start, text.find('\n', start) - start);
  }

  std::ostringstream out_;
  std::shared_ptr<Logger> logger_;
  FakeClock clock_;
  Telemetry telemetry_{*logger_, clock_};
};

TEST_F(TelemetryTest, CountsRequestsAndIngestsByCodeAndLogsThemWithTheirId) {
  std::vector<std::pair<std::string, std::string>> fields = {{"event_id", "evt_1"}};
  RequestRecord r;
  r.request_id = "req_9";
  r.method = "POST";
  r.path = "/api/v1/e/ep_1";
  r.remote_address = "127.0.0.1";
  r.status = 202;
  r.duration = 1500us;
  r.log_fields = &fields;
  telemetry_.on_request(r);
  r.status = 401;
  r.log_fields = nullptr;
  telemetry_.on_request(r);
  r.method = "GET";
  r.path = "/api/v1/events";
  r.status = 200;
  telemetry_.on_request(r);
  EXPECT_EQ(sample("promptjang_ingest_requests_total{code=\"202\"}"), "1");
  EXPECT_EQ(sample("promptjang_ingest_requests_total{code=\"401\"}"), "1");
  EXPECT_EQ(sample("promptjang_ingest_requests_total{code=\"200\"}"), "(absent)");
  EXPECT_EQ(sample("promptjang_http_requests_total{code=\"200\"}"), "1");
  EXPECT_EQ(sample("promptjang_http_request_duration_seconds_count"), "3");
  const std::string log = out_.str();
  EXPECT_NE(log.find("msg=request request_id=req_9 method=POST path=/api/v1/e/ep_1 status=202 "
                     "duration_ms=1.500"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("event_id=evt_1"), std::string::npos) << log;
}

TEST_F(TelemetryTest, ProbesAreLoggedAtDebugOnlyAndServerErrorsAtWarn) {
  RequestRecord r;
  r.request_id = "req_1";
  r.method = "GET";
  r.path = "/healthz";
  r.status = 200;
  telemetry_.on_request(r);
  EXPECT_EQ(out_.str(), "");
  r.path = "/api/v1/events";
  r.status = 503;
  telemetry_.on_request(r);
  EXPECT_NE(out_.str().find("level=warn"), std::string::npos) << out_.str();
}

TEST_F(TelemetryTest, CountsAttemptsByOutcomeAndTheFirstAttemptsLatency) {
  Event e;
  e.id = "evt_1";
  e.endpoint_id = "ep_1";
  e.account_id = "acct_1";
  e.request_id = "req_7";
  e.created_at = clock_.now();
  OutboundResult ok;
  ok.status_code = 200;
  ok.started_at = e.created_at + 10ms;
  ok.ended_at = e.created_at + 30ms;
  Decision delivered{EventStatus::kDelivered, std::nullopt, false};
  telemetry_.on_attempt({e, 1, ok, delivered});

  OutboundResult failed;
  failed.status_code = 500;
  failed.started_at = e.created_at + 60s;
  failed.ended_at = e.created_at + 61s;
  Decision retry{EventStatus::kRetrying, failed.ended_at + 120s, false};
  telemetry_.on_attempt({e, 2, failed, retry});

  OutboundResult timeout;
  timeout.error = "timeout";
  timeout.error_detail = "no answer in 15 s";
  telemetry_.on_attempt({e, 3, timeout, retry});
  OutboundResult odd;
  odd.error = "something new";
  telemetry_.on_attempt({e, 4, odd, retry});

  EXPECT_EQ(sample("promptjang_delivery_attempts_total{outcome=\"success\"}"), "1");
  EXPECT_EQ(sample("promptjang_delivery_attempts_total{outcome=\"http_error\"}"), "1");
  EXPECT_EQ(sample("promptjang_delivery_attempts_total{outcome=\"timeout\"}"), "1");
  EXPECT_EQ(sample("promptjang_delivery_attempts_total{outcome=\"connection\"}"), "1");
  EXPECT_EQ(sample("promptjang_delivery_attempts_total{outcome=\"tls\"}"), "0");
  // Latency: the first attempt only, from the acceptance to its answer.
  EXPECT_EQ(sample("promptjang_delivery_latency_seconds_count"), "1");
  EXPECT_EQ(sample("promptjang_delivery_latency_seconds_sum"), "0.03");
  EXPECT_EQ(sample("promptjang_attempt_duration_seconds_count"), "4");
  const std::string log = out_.str();
  EXPECT_NE(log.find("msg=attempt event_id=evt_1 request_id=req_7 endpoint_id=ep_1 "
                     "account_id=acct_1 attempt=1 outcome=success status_code=200"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("attempt=2 outcome=http_error status_code=500 duration_ms=1000.000 "
                     "event_status=RETRYING next_attempt_in_s=120.000"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("outcome=timeout error=timeout detail=\"no answer in 15 s\""),
            std::string::npos)
      << log;
}

TEST_F(TelemetryTest, CommitsAndBuildInformation) {
  telemetry_.on_commit(3, 2000us);
  telemetry_.on_commit(1, 1000us);
  EXPECT_EQ(sample("promptjang_store_commit_seconds_count"), "2");
  EXPECT_EQ(sample("promptjang_store_commit_batch_size_sum"), "4");
  EXPECT_EQ(sample("promptjang_store_commit_batch_size_bucket{le=\"4\"}"), "2");
  EXPECT_EQ(sample("promptjang_store_commit_batch_size_bucket{le=\"2\"}"), "1");
  EXPECT_EQ(sample("promptjang_build_info{version=\"" PJ_VERSION "\"}"), "1");
  EXPECT_NE(sample("process_open_fds"), "(absent)");
}

TEST_F(TelemetryTest, GaugesAreReadAtScrapeTime) {
  size_t in_flight = 2;
  telemetry_.watch_requests([&] { return in_flight; }, [] { return size_t{5}; });
  telemetry_.watch_deliveries([] { return size_t{7}; });
  EXPECT_EQ(sample("promptjang_http_requests_in_flight"), "2");
  in_flight = 3;
  EXPECT_EQ(sample("promptjang_http_requests_in_flight"), "3");
  EXPECT_EQ(sample("promptjang_http_connections_open"), "5");
  EXPECT_EQ(sample("promptjang_delivery_in_flight"), "7");
}

}  // namespace
}  // namespace promptjang
