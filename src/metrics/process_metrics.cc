// Process gauges; see process_metrics.h.
#include "metrics/process_metrics.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace promptjang::metrics {
namespace {

double resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  long long pages = 0, resident = 0;
  if (!(statm >> pages >> resident)) return 0;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

double open_fds() {
  std::error_code ec;
  double n = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec))
    ++n;
  return n > 0 ? n - 1 : 0;  // less the descriptor of the listing itself
}

}  // namespace

void add_process_metrics(Registry& registry, double start_time) {
  registry.gauge_callback("process_start_time_seconds",
                          "Start time of the process since the Unix epoch, in seconds.", {},
                          [start_time] {
                            return std::vector<Registry::Sample>{{{}, start_time}};
                          });
  registry.gauge_callback("process_resident_memory_bytes", "Resident memory size in bytes.", {},
                          [] {
                            return std::vector<Registry::Sample>{{{}, resident_bytes()}};
                          });
  registry.gauge_callback("process_open_fds", "Number of open file descriptors.", {}, [] {
    return std::vector<Registry::Sample>{{{}, open_fds()}};
  });
}

}  // namespace promptjang::metrics
