// Room for open descriptors: the process-wide RLIMIT_NOFILE, raised once at
// start-up by the code that wires the node (never by a component: a library
// must not change its process's limits behind its caller's back).
//
// Every connection is a descriptor, and the soft limit is often 1,024 (a
// shell's default, systemd's) while the hard one is far higher. Past the soft
// limit accept() fails with EMFILE and every new client, however well-behaved,
// waits in the backlog until some connection closes: 1,000 idle sockets would
// lock everyone out for a header timeout.
// Thread safety: call before starting threads that open descriptors.
#pragma once

#include <cstddef>

#include "core/log.h"

namespace promptjang {

// Descriptors kept for the rest of the process (database files, outbound
// deliveries, the notifier) on top of what the HTTP server needs.
inline constexpr size_t kReservedDescriptors = 1024;

// Raises the soft open-file limit to `wanted` (never past the hard limit) and
// logs what it did; warns, naming the fix, when the hard limit is too low.
void make_room_for_descriptors(size_t wanted, Logger& logger);

}  // namespace promptjang
