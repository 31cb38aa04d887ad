// The SSRF guard (SPEC §3): which destination addresses deliveries may connect to.
//
// Refused by default: loopback, private (RFC 1918, IPv6 ULA), link-local (cloud
// metadata 169.254.169.254 included), carrier-grade NAT, multicast,
// unspecified, broadcast, documentation and other reserved ranges, in IPv4,
// IPv6, IPv4-mapped, NAT64 and 6to4 IPv6 (judged by the IPv4 address they
// carry). In IPv6 only global unicast (2000::/3) may pass, and not its
// special-purpose blocks (2001::/23 but the few globally reachable ones,
// 2001:db8::/32, 3fff::/20). The check is made on the address actually
// connected to (the sender calls it from its socket-open hook, after DNS), so a
// host name that resolves to 127.0.0.1 is refused too (no DNS-rebinding bypass).
// Pure functions; thread-safe.
#pragma once

#include <sys/socket.h>

#include <optional>
#include <string>
#include <string_view>

namespace promptjang {

// The reason `addr` is refused ("loopback", "private", ...), or nullopt when a
// delivery may go there. An address family other than IPv4/IPv6 is refused.
std::optional<std::string> forbidden_reason(const sockaddr* addr);

// The same for a textual IP literal ("10.0.0.1", "::ffff:127.0.0.1"); a string
// that is not an IP literal is nullopt (it is a host name: check after DNS).
std::optional<std::string> forbidden_reason_for_literal(std::string_view ip);

}  // namespace promptjang
