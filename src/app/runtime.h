// Runtime: the side effects of one process — clock, randomness, ids, plans and
// the store chosen by --database — built once and borrowed by everything else.
// The only place besides server.h that names concrete implementations.
// Thread safety: every member is thread-safe; the Runtime outlives its borrowers.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"
#include "core/log.h"
#include "crypto/secret_box.h"
#include "crypto/secure_random.h"
#include "model/plan.h"
#include "service/deps.h"
#include "store/schema_status.h"
#include "store/store.h"
#include "store/work_signal.h"

namespace promptjang {

// Where the database named by `database_url` stands against this binary's
// schema migrations, changing nothing (`promptjang migrate --check`).
Result<SchemaStatus> read_schema_status(const std::string& database_url);

// Endpoint secrets at rest (store/endpoint_secrets.h), for Runtime::open.
struct SecretsAtRest {
  std::shared_ptr<const SecretBox> master_key{};  // null: secrets are stored as they are
  // Seal the secrets stored in plaintext, and those sealed with a previous
  // master key again with the current one, at open (`serve` does; the admin
  // commands only check, so they never change what a running server reads).
  bool seal = false;
};

class Runtime {
 public:
  // Opens the store named by `database_url` (creating a SQLite file and its
  // directory when missing), applies the pending schema migrations, then
  // checks the endpoint secrets stored in it against `secrets`
  // (Store::check_endpoint_secrets). Unavailable when it cannot be opened;
  // FailedPrecondition when a newer binary's migrations are there already (the
  // version check at start-up), or, naming the master key's settings, when
  // sealed secrets meet no key or another key.
  static Result<std::unique_ptr<Runtime>> open(const std::string& database_url, Logger& logger,
                                               const SecretsAtRest& secrets = {});
  // Over a store built elsewhere (tests wrap a real store to inject faults).
  static std::unique_ptr<Runtime> with_store(std::unique_ptr<Store> store);

  ServiceDeps deps() { return ServiceDeps{*store_, clock_, random_, ids_, plans_}; }
  Store& store() { return *store_; }
  const Clock& clock() const { return clock_; }
  const std::vector<Plan>& plans() const { return plans_; }
  // How nodes sharing the database announce due work to each other; null when
  // the store has one node only (SQLite). Not started: the Node starts it.
  WorkSignal* work_signal() { return signal_.get(); }

 private:
  Runtime() = default;

  SystemClock clock_;
  SecureRandom random_;
  IdGenerator ids_{clock_, random_};
  std::vector<Plan> plans_ = default_plans();
  std::unique_ptr<Store> store_;
  std::unique_ptr<WorkSignal> signal_;
};

}  // namespace promptjang
