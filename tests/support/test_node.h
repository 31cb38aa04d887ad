// TestNode: the whole PromptJang server, in-process, on 127.0.0.1 port 0, over a
// SQLite file in a temp directory (optionally wrapped in a FaultyStore), plus
// helpers that make tenants and endpoints the way a user would.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "app/node.h"
#include "app/runtime.h"
#include "support/faulty_store.h"
#include "support/http_client.h"
#include "support/temp_dir.h"

namespace promptjang::testing {

struct Tenant {
  std::string account_id;
  std::string key;  // the full API key
  std::string auth() const { return "Authorization: Bearer " + key; }
};

class TestNode {
 public:
  // The API alone by default (config.delivery = false); `tweak` may turn the
  // delivery engine on and set any other setting.
  explicit TestNode(const std::function<void(Config&)>& tweak = {});
  ~TestNode();

  std::string url(const std::string& path) const;
  Runtime& runtime() { return *runtime_; }
  FaultyStore& faults() { return *faulty_; }
  const std::string& db_path() const { return db_path_; }

  // A new account on `plan` with one API key.
  Tenant make_tenant(const std::string& plan = "starter");
  // Creates an endpoint through the API; returns its id.
  std::string make_endpoint(const Tenant& t,
                            const std::string& target = "https://example.com/hook");

 private:
  TempDir dir_;
  std::string db_path_;
  std::shared_ptr<Logger> logger_;
  FaultyStore* faulty_ = nullptr;
  std::unique_ptr<Runtime> runtime_;
  std::unique_ptr<Node> node_;

 public:
  Node& node() { return *node_; }
};

}  // namespace promptjang::testing
