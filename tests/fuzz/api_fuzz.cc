// Fuzz target: the request path — ApiHandler's preflight (authentication, body
// limit), the router, and every route's handler (ingest above all) — over a
// real SQLite store in a temporary directory, as the server drives them.
//
// The input is a request in a small text form (see README.md):
//   METHOD TARGET\nName: value\n...\n\nBODY
// where $KEY, $KEY2, $EP, $EP2 and $EVT stand for account A's API key, account
// B's, A's endpoint id, B's, and an event of A's, so short inputs reach past
// authentication. Invariants, for every request:
//  - exactly one answer, within 10 s; never a 5xx (bad input is the client's);
//  - every JSON answer is valid JSON, every error answer (4xx, JSON) is
//    {"error": {"code": string, "message": string}}; a 405 carries Allow;
//  - an /api/ request (the session route aside) with neither a credential nor
//    a cookie gets 401 before any handler runs;
//  - ingest (POST /api/v1/e/ID with A's key) answers as SPEC §4 orders it:
//    404 for an endpoint A does not own (B's included), 415 for a non-JSON
//    Content-Type, 413 over the plan's limit, 400 for an invalid
//    Idempotency-Key or JSON (judged by the reference validator), else
//    202/200 {"id": "evt_...", "status": ...}, and the event then reads back
//    with the body embedded byte for byte.
// Threads: the store's writer answers ingest; this thread waits for it.
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "api/api_handler.h"
#include "api/session_auth.h"
#include "core/ids.h"
#include "core/log.h"
#include "crypto/secure_random.h"
#include "dashboard/dashboard.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/json_reference.h"
#include "service/accounts.h"
#include "service/endpoints.h"
#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace promptjang {
namespace {

constexpr int kInputsPerWorld = 20000;  // then a fresh database, so it stays small

constexpr dashboard::Asset kAssets[] = {
    {"/assets/index.html", "<!doctype html><title>PromptJang</title>"},
    {"/assets/js/app.js", "export const x = 1;\n"},
    {"/assets/css/app.css", "body { margin: 0 }\n"},
};

// Everything a request touches: a store with two accounts (A and B), each with
// an API key and an endpoint, and A with one event.
struct World {
  World() {
    SqliteOptions o;
    o.path = dir.file("fuzz.db");
    auto s = open_sqlite_store(o, *logger);
    FUZZ_CHECK(s.is_ok(), "cannot open the store: %s", s.status().to_string().c_str());
    store = std::move(*s);
    deps = std::make_unique<ServiceDeps>(ServiceDeps{*store, clock, random, ids, plans});
    for (int i = 0; i < 2; ++i) {
      auto account = create_account(*deps, i == 0 ? "A" : "B", "starter");
      FUZZ_CHECK(account.is_ok(), "account: %s", account.status().to_string().c_str());
      auto key = create_api_key(*deps, account->id, "fuzz");
      auto ep = create_endpoint(*deps, account->id, "https://example.com/hook", "", true);
      FUZZ_CHECK(key.is_ok() && ep.is_ok(), "key or endpoint");
      accounts[i] = account->id;
      keys[i] = key->key;
      endpoints[i] = ep->id;
    }
    keys_cache = std::make_unique<KeyCache>(*store, clock);
    endpoint_cache = std::make_unique<EndpointCache>(*store, clock);
    handler = std::make_unique<ApiHandler>(ApiContext{*deps, *keys_cache, *endpoint_cache, *logger,
                                                      throttle, password_checks, DeliveryHooks{},
                                                      nullptr, &dash, MetricsSource{}});
  }

  testing::TempDir dir;
  std::shared_ptr<Logger> logger = make_null_logger();
  FakeClock clock;
  SecureRandom random;
  IdGenerator ids{clock, random};
  std::vector<Plan> plans = default_plans();
  std::unique_ptr<Store> store;
  std::unique_ptr<ServiceDeps> deps;
  std::string accounts[2], keys[2], endpoints[2];
  std::string event_id = "evt_0000000000000000000000000";
  std::unique_ptr<KeyCache> keys_cache;
  std::unique_ptr<EndpointCache> endpoint_cache;
  LoginThrottle throttle{clock};
  WorkerPool password_checks{1, 32, *logger};
  dashboard::Dashboard dash{kAssets};
  std::unique_ptr<ApiHandler> handler;
};

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

std::string expand(std::string s, const World& w) {
  replace_all(s, "$KEY2", w.keys[1]);
  replace_all(s, "$KEY", w.keys[0]);
  replace_all(s, "$EP2", w.endpoints[1]);
  replace_all(s, "$EP", w.endpoints[0]);
  replace_all(s, "$EVT", w.event_id);
  return s;
}

// "METHOD TARGET\nName: value\n\nBODY" -> HttpRequest (no body) + body.
HttpRequest parse_request(std::string_view in, const World& w, std::string& body) {
  HttpRequest r;
  r.remote_address = "127.0.0.1";
  size_t eol = in.find('\n');
  std::string_view line = in.substr(0, eol);
  in = eol == std::string_view::npos ? std::string_view() : in.substr(eol + 1);
  size_t sp = line.find(' ');
  r.method = std::string(line.substr(0, sp));
  std::string target =
      sp == std::string_view::npos ? "/" : expand(std::string(line.substr(sp + 1)), w);
  size_t q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) r.query = target.substr(q + 1);
  while (!in.empty()) {
    eol = in.find('\n');
    line = in.substr(0, eol);
    in = eol == std::string_view::npos ? std::string_view() : in.substr(eol + 1);
    if (line.empty()) break;
    size_t colon = line.find(':');
    std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    r.headers.add(std::string(line.substr(0, colon)), expand(std::string(value), w));
  }
  body = expand(std::string(in), w);
  return r;
}

// The one answer a request gets, from whichever thread gives it.
struct Answer {
  std::mutex mu;
  std::condition_variable cv;
  int calls = 0;
  HttpResponse response;
};

HttpResponse answer(ApiHandler& handler, HttpRequest head, std::string body) {
  auto limit = handler.preflight(head);
  if (auto* early = std::get_if<HttpResponse>(&limit)) return std::move(*early);
  if (body.size() > std::get<size_t>(limit)) {  // the server refuses it unread
    HttpResponse r;
    r.status = 413;
    r.body = R"({"error":{"code":"payload_too_large","message":"server"}})";
    return r;
  }
  head.body = std::move(body);
  auto a = std::make_shared<Answer>();
  handler.handle(std::move(head), [a](HttpResponse r) {
    std::lock_guard lock(a->mu);
    FUZZ_CHECK(++a->calls == 1, "a request was answered twice");
    a->response = std::move(r);
    a->cv.notify_all();
  });
  std::unique_lock lock(a->mu);
  FUZZ_CHECK(a->cv.wait_for(lock, std::chrono::seconds(10), [&] { return a->calls > 0; }),
             "no answer within 10 s");
  return a->response;
}

bool is_json(const HttpResponse& r) { return r.content_type.starts_with("application/json"); }

std::string error_code_of(const HttpResponse& r) {
  boost::json::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  if (ec || !v.is_object()) return "";
  auto* e = v.get_object().if_contains("error");
  if (!e || !e->is_object()) return "";
  auto* code = e->get_object().if_contains("code");
  auto* message = e->get_object().if_contains("message");
  if (!code || !code->is_string() || !message || !message->is_string()) return "";
  return std::string(code->get_string());
}

void check_shape(const HttpRequest& req, const HttpResponse& r) {
  FUZZ_CHECK(r.status >= 200 && r.status < 500, "%s %s answered %d: %s", req.method.c_str(),
             req.path.c_str(), r.status, r.body.c_str());
  if (is_json(r) && !r.body.empty())
    FUZZ_CHECK(fuzz::JsonReference::valid(r.body, 64), "%s %s: invalid JSON answer %d: %s",
               req.method.c_str(), req.path.c_str(), r.status, r.body.c_str());
  if (r.status >= 400 && is_json(r))
    FUZZ_CHECK(!error_code_of(r).empty(), "%s %s: error %d without an error object: %s",
               req.method.c_str(), req.path.c_str(), r.status, r.body.c_str());
  if (r.status == 405) FUZZ_CHECK(r.headers.get("Allow").has_value(), "405 without Allow");
}

bool valid_idempotency_key(std::string_view k) {
  if (k.empty() || k.size() > 255) return false;
  for (unsigned char c : k)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

// What SPEC §4 orders for POST /api/v1/e/{id} with A's key: the status.
int expected_ingest_status(World& w, const HttpRequest& req, std::string_view endpoint_id,
                           std::string_view body) {
  auto ep = w.store->get_endpoint(w.accounts[0], endpoint_id);
  if (!ep.is_ok()) return 404;
  if (auto ct = req.headers.get("Content-Type")) {
    std::string type(ct->substr(0, ct->find(';')));
    while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
    while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.erase(0, 1);
    for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (type != "application/json") return 415;
  }
  auto account = w.store->get_account(w.accounts[0]);
  FUZZ_CHECK(account.is_ok(), "account A is gone");
  auto plan = find_plan(w.plans, account->plan);
  if (plan && static_cast<int64_t>(body.size()) > plan->max_payload_bytes) return 413;
  if (auto k = req.headers.get("Idempotency-Key"); k && !valid_idempotency_key(*k)) return 400;
  if (!fuzz::JsonReference::valid(body)) return 400;
  return 202;
}

void check_ingest(World& w, const HttpRequest& req, std::string_view body, const HttpResponse& r) {
  const std::string_view endpoint_id = std::string_view(req.path).substr(10);
  const int expected = expected_ingest_status(w, req, endpoint_id, body);
  if (expected == 202) {
    FUZZ_CHECK(r.status == 202 || (r.status == 200 && req.headers.get("Idempotency-Key")),
               "ingest answered %d, not 202: %s", r.status, r.body.c_str());
    boost::json::error_code ec;
    auto v = boost::json::parse(r.body, ec);
    FUZZ_CHECK(!ec && v.is_object() && v.get_object().contains("id") &&
                   v.get_object().at("id").is_string(),
               "ingest answer %s", r.body.c_str());
    const std::string id(v.get_object().at("id").get_string());
    FUZZ_CHECK(id.starts_with("evt_"), "event id %s", id.c_str());
    if (r.status == 200) return;  // a repeated key: the original event, another body
    w.event_id = id;
    HttpRequest get;
    get.method = "GET";
    get.path = "/api/v1/events/" + id;
    get.headers.add("Authorization", "Bearer " + w.keys[0]);
    HttpResponse e = answer(*w.handler, get, "");
    FUZZ_CHECK(e.status == 200, "the accepted event %s reads back %d", id.c_str(), e.status);
    FUZZ_CHECK(e.body.find("\"payload\":" + std::string(body)) != std::string::npos,
               "the event %s does not carry its body byte for byte", id.c_str());
  } else {
    FUZZ_CHECK(r.status == expected, "ingest answered %d, SPEC says %d: %s", r.status, expected,
               r.body.c_str());
  }
}

World& world() {
  static std::unique_ptr<World> w;
  static int inputs = 0;
  if (!w || ++inputs % kInputsPerWorld == 0) {
    w.reset();
    w = std::make_unique<World>();
  }
  return *w;
}

}  // namespace
}  // namespace promptjang

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace promptjang;
  if (size > 64 * 1024) return 0;
  World& w = world();
  std::string body;
  HttpRequest req =
      parse_request(std::string_view(reinterpret_cast<const char*>(data), size), w, body);
  const HttpRequest copy = req;
  HttpResponse r = answer(*w.handler, std::move(req), body);
  check_shape(copy, r);

  const bool api = copy.path.starts_with("/api/") && copy.path != kSessionPath;
  const bool credential =
      copy.headers.get("Authorization").has_value() || copy.headers.get("Cookie").has_value();
  if (api && !credential)
    FUZZ_CHECK(r.status == 401, "%s %s without credentials answered %d", copy.method.c_str(),
               copy.path.c_str(), r.status);
  auto auth = copy.headers.get("Authorization");
  if (copy.method == "POST" && copy.path.starts_with("/api/v1/e/") &&
      copy.path.find('/', 10) == std::string::npos && copy.path.size() > 10 && auth &&
      *auth == "Bearer " + w.keys[0] && !copy.headers.get("Cookie"))
    check_ingest(w, copy, body, r);
  return 0;
}
