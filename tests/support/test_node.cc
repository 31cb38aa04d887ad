// TestNode; see test_node.h.
#include "support/test_node.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <stdexcept>

#include "service/accounts.h"
#include "store/sqlite/sqlite_store.h"

namespace promptjang::testing {

TestNode::TestNode(const std::function<void(Config&)>& tweak)
    : db_path_(dir_.file("promptjang.db")), logger_(make_null_logger()) {
  SqliteOptions options;
  options.path = db_path_;
  auto store = open_sqlite_store(options, *logger_);
  if (!store) throw std::runtime_error(store.status().to_string());
  auto faulty = std::make_unique<FaultyStore>(std::move(*store));
  faulty_ = faulty.get();
  runtime_ = Runtime::with_store(std::move(faulty));
  Config config;
  config.listen = "127.0.0.1:0";
  config.delivery = false;
  if (tweak) tweak(config);
  auto node = Node::create(config, *runtime_, *logger_);
  if (!node) throw std::runtime_error(node.status().to_string());
  node_ = std::move(*node);
  Status s = node_->start();
  if (!s) throw std::runtime_error(s.to_string());
}

TestNode::~TestNode() {
  node_->stop();
  node_.reset();
  runtime_.reset();
}

std::string TestNode::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(node_->port()) + path;
}

Tenant TestNode::make_tenant(const std::string& plan) {
  auto deps = runtime_->deps();
  auto account = create_account(deps, "tenant", plan);
  if (!account) throw std::runtime_error(account.status().to_string());
  auto key = create_api_key(deps, account->id, "test");
  if (!key) throw std::runtime_error(key.status().to_string());
  return Tenant{account->id, key->key};
}

std::string TestNode::make_endpoint(const Tenant& t, const std::string& target) {
  HttpClient client;
  boost::json::object body{{"url", target}, {"description", "test"}};
  auto r =
      client.request("POST", url("/api/v1/endpoints"), {t.auth(), "Content-Type: application/json"},
                     boost::json::serialize(body));
  if (r.status != 201) throw std::runtime_error("endpoint creation failed: " + r.body);
  return std::string(boost::json::parse(r.body).at("id").as_string());
}

}  // namespace promptjang::testing
