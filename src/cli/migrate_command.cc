// promptjang migrate [--check]: the schema migrations, run on purpose. `serve`
// applies pending migrations itself at start (zero setup); an operator of a
// cluster runs `migrate` once before starting new nodes (docs/operations.md,
// Upgrades), and `--check` tells a deploy script whether there is anything to
// do. Migrations are forward-only: a database a newer binary migrated is
// refused, by this command and by `serve` alike.
#include <boost/json.hpp>
#include <iostream>

#include "app/runtime.h"
#include "cli/commands.h"
#include "core/log.h"

namespace promptjang {
namespace {

boost::json::object to_json(const SchemaStatus& s) {
  boost::json::array pending;
  for (const auto& name : s.pending) pending.emplace_back(name);
  return {{"current", s.current}, {"latest", s.known}, {"pending", std::move(pending)}};
}

std::string too_new_message(const SchemaStatus& s) {
  return "the database is at schema version " + std::to_string(s.current) +
         ", newer than this binary knows (" + std::to_string(s.known) +
         "): run a newer promptjang (migrations only go forward)";
}

}  // namespace

int run_migrate(const Database& database, bool check_only, OutputOptions out) {
  auto before = read_schema_status(database.url);
  if (!before) {
    std::cerr << "error: " << before.status().message() << "\n";
    return 1;
  }
  if (before->too_new()) {
    std::cerr << "error: " << too_new_message(*before) << "\n";
    return 1;
  }
  if (check_only) {
    if (out.json) {
      std::cout << boost::json::serialize(to_json(*before)) << "\n";
    } else if (before->pending.empty()) {
      std::cout << "schema version " << before->current << ": up to date\n";
    } else {
      std::cout << "schema version " << before->current << " of " << before->known << "; pending:";
      for (const auto& name : before->pending) std::cout << " " << name;
      std::cout << "\n";
    }
    return before->pending.empty() ? 0 : 3;
  }
  auto key = load_master_key(database.master_key);
  if (!key) {
    std::cerr << "error: " << key.status().message() << "\n";
    return 2;
  }
  auto logger = make_stderr_logger("promptjang", "warn");
  // Applies what is pending; checks the stored secrets without sealing any.
  auto rt = Runtime::open(database.url, *logger, SecretsAtRest{*key, false});
  if (!rt) {
    std::cerr << "error: " << rt.status().message() << "\n";
    return 1;
  }
  if (out.json) {
    auto o = to_json(*before);
    o["applied"] = o["pending"];
    o["pending"] = boost::json::array();
    o["current"] = before->known;
    o["previous"] = before->current;
    std::cout << boost::json::serialize(o) << "\n";
  } else if (before->pending.empty()) {
    std::cout << "schema version " << before->current << ": up to date, nothing applied\n";
  } else {
    std::cout << "migrated from schema version " << before->current << " to " << before->known
              << ":";
    for (const auto& name : before->pending) std::cout << " " << name;
    std::cout << "\n";
  }
  return 0;
}

}  // namespace promptjang
