// account create, api-key create, user create, ...: administrative commands that
// work on the same database as a running server (SQLite's WAL and busy timeout
// let a second process write); and master-key generate.
#include <boost/json.hpp>
#include <iostream>

#include "app/runtime.h"
#include "cli/commands.h"
#include "core/log.h"
#include "crypto/secret_box.h"
#include "service/accounts.h"
#include "usage/billing.h"

namespace promptjang {
namespace {

int fail(const Status& s) {
  std::cerr << "error: " << s.message() << "\n";
  return s.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

// Runs `body` with an open Runtime, or reports why it could not be opened.
template <typename F>
int with_runtime(const Database& database, F body) {
  auto key = load_master_key(database.master_key);
  if (!key) return fail(key.status());
  auto logger = make_stderr_logger("promptjang", "warn");
  auto rt = Runtime::open(database.url, *logger, SecretsAtRest{*key, false});
  if (!rt) return fail(rt.status());
  return body(**rt);
}

}  // namespace

int run_account_create(const Database& database, const std::string& name, const std::string& plan,
                       OutputOptions out) {
  return with_runtime(database, [&](Runtime& rt) {
    auto a = create_account(rt.deps(), name, plan);
    if (!a) return fail(a.status());
    if (out.json)
      std::cout << boost::json::serialize(
                       boost::json::object{{"id", a->id}, {"name", a->name}, {"plan", a->plan}})
                << "\n";
    else
      std::cout << "created account " << a->id << " (" << a->name << ", plan " << a->plan << ")\n";
    return 0;
  });
}

int run_api_key_create(const Database& database, const std::string& account_id,
                       const std::string& name, OutputOptions out) {
  return with_runtime(database, [&](Runtime& rt) {
    auto k = create_api_key(rt.deps(), account_id, name);
    if (!k) return fail(k.status());
    if (out.json)
      std::cout << boost::json::serialize(boost::json::object{{"id", k->record.id},
                                                              {"name", k->record.name},
                                                              {"prefix", k->record.prefix},
                                                              {"key", k->key}})
                << "\n";
    else
      std::cout << "created API key " << k->record.id << " for " << account_id
                << ". It is shown only now; keep it:\n"
                << k->key << "\n";
    return 0;
  });
}

int run_user_create(const Database& database, const std::string& account_id,
                    const std::string& email, const std::optional<std::string>& password,
                    OutputOptions out) {
  return with_runtime(database, [&](Runtime& rt) {
    auto u = create_user(rt.deps(), account_id, email, password);
    if (!u) return fail(u.status());
    if (out.json) {
      boost::json::object o{{"id", u->record.id}, {"email", u->record.email}};
      if (!password) o["password"] = u->password;
      std::cout << boost::json::serialize(o) << "\n";
    } else {
      std::cout << "created user " << u->record.id << " <" << u->record.email << ">\n";
      if (!password) std::cout << "generated password (shown only now): " << u->password << "\n";
    }
    return 0;
  });
}

int run_account_set_plan(const Database& database, const std::string& account_id,
                         const std::string& plan, OutputOptions out) {
  return with_runtime(database, [&](Runtime& rt) {
    if (!find_plan(rt.plans(), plan))
      return fail(invalid_argument("unknown plan '" + plan + "' (starter or pro)"));
    Status s = rt.store().set_account_plan(account_id, plan);
    if (!s) return fail(s);
    if (out.json)
      std::cout << boost::json::serialize(boost::json::object{{"id", account_id}, {"plan", plan}})
                << "\n";
    else
      std::cout << "account " << account_id << " is now on plan " << plan << "\n";
    return 0;
  });
}

int run_usage(const Database& database, const std::string& account_id, const std::string& month,
              OutputOptions out) {
  return with_runtime(database, [&](Runtime& rt) {
    std::string m = month.empty() ? month_of(rt.clock().now()) : month;
    if (!month_bounds(m)) return fail(invalid_argument("--month must be YYYY-MM"));
    auto account = rt.store().get_account(account_id);
    if (!account) return fail(account.status());
    auto r = account_usage(rt.store(), rt.plans(), *account, m);
    if (!r) return fail(r.status());
    if (out.json) {
      std::cout << boost::json::serialize(boost::json::object{{"account", account_id},
                                                              {"plan", r->plan},
                                                              {"period", r->period},
                                                              {"events", r->events},
                                                              {"included", r->included},
                                                              {"overage_units", r->overage_units},
                                                              {"cost_cents", r->cost_cents}})
                << "\n";
    } else {
      std::cout << account_id << " " << r->period << ": " << r->events << " events of "
                << r->included << " included (plan " << r->plan << "), " << r->overage_units
                << " overage units of 100,000, cost $" << r->cost_cents / 100 << "."
                << (r->cost_cents % 100 < 10 ? "0" : "") << r->cost_cents % 100 << "\n";
    }
    return 0;
  });
}

int run_master_key_generate() {
  std::cout << generate_master_key() << "\n";
  return 0;
}

}  // namespace promptjang
