// Node; see node.h.
#include "app/node.h"

namespace promptjang {

Result<std::unique_ptr<Node>> Node::create(const Config& config, Runtime& runtime, Logger& logger) {
  PJ_RETURN_IF_ERROR(validate(config));
  auto listen = parse_listen(config.listen);
  std::unique_ptr<Node> node(new Node(runtime, logger));
  node->keys_ = std::make_unique<KeyCache>(runtime.store(), runtime.clock());
  node->handler_ = std::make_unique<ApiHandler>(ApiContext{runtime.deps(), *node->keys_, logger});
  ServerOptions options;
  options.host = listen->host;
  options.port = listen->port;
  options.threads = config.io_threads;
  options.max_connections = config.max_connections;
  node->server_ = std::make_unique<HttpServer>(options, *node->handler_, logger);
  return node;
}

Node::~Node() { stop(); }

Status Node::start() {
  PJ_RETURN_IF_ERROR(server_->start());
  running_ = true;
  logger_.info("listening on port {}", server_->port());
  return Status::ok();
}

void Node::stop() {
  if (!running_) return;
  running_ = false;
  logger_.info("shutting down: draining requests");
  server_->stop();
  runtime_.store().flush();
  logger_.info("stopped");
}

}  // namespace promptjang
