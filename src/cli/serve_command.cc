// `promptjang serve`: opens the store, bootstraps an empty installation, serves
// until SIGINT or SIGTERM, then shuts down gracefully.
//
// Signals are blocked in every thread (the mask is set before any thread starts)
// and taken synchronously by sigwait on the main thread: no handler, no global.
#include <csignal>
#include <iostream>

#include "app/node.h"
#include "app/runtime.h"
#include "cli/commands.h"
#include "cli/stop_signals.h"
#include "core/log.h"
#include "service/accounts.h"

namespace promptjang {
namespace {

void print_bootstrap(const Bootstrap& b, const Config& config) {
  std::cout << "\nPromptJang set up a new installation. This is shown once: keep it.\n"
            << "  account:    " << b.account.id << " (plan " << b.account.plan << ")\n"
            << "  API key:    " << b.api_key.key << "\n"
            << "  dashboard:  http://" << config.listen << "/\n"
            << "  user:       " << b.owner.record.email << "\n"
            << "  password:   " << b.owner.password << "\n\n"
            << std::flush;
}

}  // namespace

int run_serve(const Config& config) {
  Status valid = validate(config);
  if (!valid) {
    std::cerr << "error: " << valid.message() << "\n";
    return 2;
  }
  auto master_key = load_master_key(config.master_key);
  if (!master_key) {
    std::cerr << "error: " << master_key.status().message() << "\n";
    return 2;
  }
  StopSignals signals;  // before any thread starts

  auto logger =
      make_stderr_logger("promptjang", config.log_level,
                         parse_log_format(config.log_format).value_or(LogFormat::kLogfmt));
  auto rt = Runtime::open(config.database, *logger, SecretsAtRest{*master_key, true});
  if (!rt) {
    std::cerr << "error: " << rt.status().message() << "\n";
    return 1;
  }
  if (config.bootstrap) {
    auto b = bootstrap_if_empty((*rt)->deps());
    if (!b) {
      std::cerr << "error: first-start set-up failed: " << b.status().message() << "\n";
      return 1;
    }
    if (*b) print_bootstrap(**b, config);
  }
  auto node = Node::create(config, **rt, *logger);
  if (!node) {
    std::cerr << "error: " << node.status().message() << "\n";
    return 2;
  }
  Status started = (*node)->start();
  if (!started) {
    std::cerr << "error: " << started.message() << "\n";
    return 1;
  }
  int sig = signals.wait();
  logger->info("received {}", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  (*node)->stop();
  return 0;
}

}  // namespace promptjang
