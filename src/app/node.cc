// Node; see node.h.
#include "app/node.h"

#include <algorithm>

#include "app/open_files.h"

namespace promptjang {
namespace {

std::string user_agent() { return std::string("PromptJang/") + PJ_VERSION; }

std::chrono::milliseconds seconds_to_ms(double s) {
  return std::chrono::milliseconds(static_cast<int64_t>(s * 1000));
}

// A name for this node's leases, unique among the nodes sharing a database
// (a fresh random id each start: a restarted node renews nothing of its past).
std::string node_name(Runtime& runtime) { return runtime.deps().ids.next("node_"); }

}  // namespace

Result<std::unique_ptr<Node>> Node::create(const Config& config, Runtime& runtime, Logger& logger) {
  PJ_RETURN_IF_ERROR(validate(config));
  auto listen = parse_listen(config.listen);
  std::unique_ptr<Node> node(new Node(runtime, logger));
  node->telemetry_ = std::make_unique<Telemetry>(logger, runtime.clock());
  Telemetry* telemetry = node->telemetry_.get();
  runtime.store().set_commit_observer(telemetry);
  telemetry->watch_events(runtime.store());
  node->keys_ = std::make_unique<KeyCache>(runtime.store(), runtime.clock());
  node->endpoints_ = std::make_unique<EndpointCache>(runtime.store(), runtime.clock());
  DeliveryHooks hooks;
  WorkSignal* signal = runtime.work_signal();
  if (config.delivery) {
    CurlClientOptions client_options;
    client_options.connect_timeout = seconds_to_ms(config.connect_timeout_s);
    client_options.total_timeout = seconds_to_ms(config.delivery_timeout_s);
    client_options.allow_private_targets = config.allow_private_targets;
    client_options.max_total_connections = config.max_in_flight;
    client_options.user_agent = user_agent();
    if (config.http_client == "curl") {
      node->client_ = std::make_unique<CurlHttpClient>(client_options, runtime.clock(), logger);
    } else {
      BeastClientOptions beast;
      beast.connect_timeout = client_options.connect_timeout;
      beast.total_timeout = client_options.total_timeout;
      beast.allow_private_targets = client_options.allow_private_targets;
      beast.max_total_connections = client_options.max_total_connections;
      beast.user_agent = client_options.user_agent;
      node->client_ = std::make_unique<BeastHttpClient>(beast, runtime.clock(), logger);
    }

    DispatcherOptions options;
    options.schedule = *parse_retry_schedule(config.retry_schedule);
    options.max_in_flight = config.max_in_flight;
    options.max_recording = std::max<size_t>(2048, 4 * config.max_in_flight);
    options.max_in_flight_per_endpoint = config.max_in_flight_per_endpoint;
    options.max_held_per_endpoint = 4 * config.max_in_flight_per_endpoint;
    // The dispatcher renews the leases of what it holds (waiting or in
    // flight) every third of the lease, under this node's name: the lease
    // bounds only how soon a dead node's work goes to the others.
    options.lease = seconds_to_ms(config.lease_s);
    options.owner = node_name(runtime);
    options.poll_interval = seconds_to_ms(config.poll_interval_s);
    if (config.poll_interval_s == 0) {
      // Over PostgreSQL the other nodes announce their work (LISTEN/NOTIFY):
      // the poll is only a safety net, and N nodes polling cost N claims.
      options.poll_interval =
          runtime.work_signal() ? std::chrono::seconds(5) : std::chrono::seconds(1);
    }
    options.user_agent = user_agent();
    options.observer = telemetry;
    node->dispatcher_ = std::make_unique<Dispatcher>(
        options, runtime.store(), *node->client_, runtime.clock(), logger, node->endpoints_.get());
    Dispatcher* d = node->dispatcher_.get();
    hooks.hand_off = [d](Event e) { d->submit(std::move(e)); };
    hooks.wake = [d, signal] {
      d->poke();
      if (signal) signal->announce();
    };
    hooks.lease = std::chrono::duration_cast<Micros>(options.lease);
    hooks.lease_owner = options.owner;
  } else if (signal) {
    hooks.wake = [signal] { signal->announce(); };  // the delivering nodes claim it
  }
  if (config.rate_limit > 0) {
    double burst = config.rate_limit_burst > 0 ? config.rate_limit_burst : config.rate_limit;
    node->rate_limiter_ = std::make_unique<RateLimiter>(runtime.clock(), config.rate_limit, burst);
  }
  if (config.retention)
    node->sweeper_ = std::make_unique<RetentionSweeper>(runtime.store(), runtime.plans(),
                                                        runtime.clock(), logger, SweeperOptions{});
  node->login_throttle_ = std::make_unique<LoginThrottle>(runtime.clock());
  // One thread: an argon2id check takes one core and 64 MiB; 32 logins may wait.
  node->password_checks_ = std::make_unique<WorkerPool>(1, 32, logger);
  node->dashboard_ = std::make_unique<dashboard::Dashboard>(dashboard::embedded_assets());
  MetricsSource metrics = [telemetry] { return telemetry->render(); };
  node->handler_ = std::make_unique<ApiHandler>(
      ApiContext{runtime.deps(), *node->keys_, *node->endpoints_, logger, *node->login_throttle_,
                 *node->password_checks_, std::move(hooks), node->rate_limiter_.get(),
                 node->dashboard_.get(), config.ops_listen.empty() ? metrics : MetricsSource{}});
  auto request_ids = [&runtime] { return runtime.deps().ids.next("req_"); };
  ServerOptions options;
  options.host = listen->host == "localhost" ? "127.0.0.1" : listen->host;
  options.port = listen->port;
  options.threads = config.io_threads;
  options.max_connections = config.max_connections;
  options.request_ids = request_ids;
  options.observer = telemetry;
  size_t descriptors = descriptors_needed(options) + kReservedDescriptors;
  if (!config.ops_listen.empty()) {
    // Scrapers and load balancers only: one thread, a few connections.
    auto ops_listen = parse_listen(config.ops_listen, "--ops-listen");
    ServerOptions ops = options;
    ops.host = ops_listen->host == "localhost" ? "127.0.0.1" : ops_listen->host;
    ops.port = ops_listen->port;
    ops.threads = 1;
    ops.max_connections = 64;
    descriptors += descriptors_needed(ops);
    node->ops_handler_ = std::make_unique<OpsHandler>(runtime.store(), metrics);
    node->ops_server_ = std::make_unique<HttpServer>(ops, *node->ops_handler_, logger);
  }
  make_room_for_descriptors(descriptors, logger);
  node->server_ = std::make_unique<HttpServer>(options, *node->handler_, logger);
  Node* n = node.get();
  telemetry->watch_requests(
      [n] {
        return n->server_->requests_in_flight() +
               (n->ops_server_ ? n->ops_server_->requests_in_flight() : 0);
      },
      [n] {
        return n->server_->connection_count() +
               (n->ops_server_ ? n->ops_server_->connection_count() : 0);
      });
  telemetry->watch_deliveries([n] { return n->dispatcher_ ? n->dispatcher_->in_flight() : 0; });
  return node;
}

Node::~Node() {
  stop();
  runtime_.store().set_commit_observer(nullptr);  // also when never started
}

Status Node::start() {
  PJ_RETURN_IF_ERROR(server_->start());
  if (dispatcher_) dispatcher_->start();
  if (WorkSignal* signal = runtime_.work_signal()) {
    Dispatcher* d = dispatcher_.get();
    signal->start(d ? std::function<void()>([d] { d->poke(); }) : nullptr);
  }
  if (sweeper_) sweeper_->start();
  running_ = true;
  logger_.info("listening on port {}", server_->port());
  if (ops_server_) {
    if (Status s = ops_server_->start(); !s) {
      stop();
      return s;
    }
    logger_.info("ops listening on port {} (/healthz, /readyz, /metrics)", ops_server_->port());
  }
  return Status::ok();
}

void Node::stop() {
  if (!running_) return;
  running_ = false;
  logger_.info("shutting down: draining requests");
  server_->stop();
  if (ops_server_) ops_server_->stop();
  password_checks_->stop();
  if (sweeper_) sweeper_->stop();
  if (dispatcher_) dispatcher_->stop();
  client_.reset();
  runtime_.store().flush();
  runtime_.store().set_commit_observer(nullptr);
  if (WorkSignal* signal = runtime_.work_signal()) {
    // The leases the dispatcher gave back are committed: the others take them now.
    if (dispatcher_) signal->announce();
    signal->stop();
  }
  logger_.info("stopped");
}

}  // namespace promptjang
