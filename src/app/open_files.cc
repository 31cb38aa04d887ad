// make_room_for_descriptors; see open_files.h.
#include "app/open_files.h"

#include <sys/resource.h>

#include <algorithm>

namespace promptjang {

void make_room_for_descriptors(size_t wanted_count, Logger& logger) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const auto wanted = static_cast<rlim_t>(wanted_count);
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= wanted) return;
  const rlim_t target =
      limit.rlim_max == RLIM_INFINITY ? wanted : std::min<rlim_t>(wanted, limit.rlim_max);
  if (target > limit.rlim_cur) {
    rlimit raised{target, limit.rlim_max};
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      logger.info("open-file limit raised from {} to {}", limit.rlim_cur, target);
      limit.rlim_cur = target;
    }
  }
  if (limit.rlim_cur < wanted) {
    logger.warn(
        "the open-file limit ({}) is below the {} this node needs for its connections; past it "
        "new connections wait until others close (raise the hard limit: ulimit -Hn, LimitNOFILE=)",
        limit.rlim_cur, wanted);
  }
}

}  // namespace promptjang
