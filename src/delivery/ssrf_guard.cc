// Address classification for the SSRF guard; see ssrf_guard.h.
#include "delivery/ssrf_guard.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>
#include <cstring>

namespace promptjang {
namespace {

struct V4Range {
  uint32_t base;
  int bits;
  const char* why;
};

constexpr uint32_t ip4(int a, int b, int c, int d) {
  return (uint32_t(a) << 24) | (uint32_t(b) << 16) | (uint32_t(c) << 8) | uint32_t(d);
}

constexpr V4Range kV4Forbidden[] = {
    {ip4(0, 0, 0, 0), 8, "unspecified"},
    {ip4(10, 0, 0, 0), 8, "private"},
    {ip4(100, 64, 0, 0), 10, "carrier-grade NAT"},
    {ip4(127, 0, 0, 0), 8, "loopback"},
    {ip4(169, 254, 0, 0), 16, "link-local"},
    {ip4(172, 16, 0, 0), 12, "private"},
    {ip4(192, 0, 0, 0), 24, "reserved"},
    {ip4(192, 0, 2, 0), 24, "documentation"},
    {ip4(192, 88, 99, 0), 24, "reserved"},
    {ip4(192, 168, 0, 0), 16, "private"},
    {ip4(198, 18, 0, 0), 15, "benchmarking"},
    {ip4(198, 51, 100, 0), 24, "documentation"},
    {ip4(203, 0, 113, 0), 24, "documentation"},
    {ip4(224, 0, 0, 0), 4, "multicast"},
    {ip4(240, 0, 0, 0), 4, "reserved"},  // 255.255.255.255 (broadcast) included
};

std::optional<std::string> v4_reason(uint32_t host_order) {
  for (const auto& r : kV4Forbidden) {
    uint32_t mask = r.bits == 0 ? 0 : ~uint32_t(0) << (32 - r.bits);
    if ((host_order & mask) == (r.base & mask)) return std::string(r.why);
  }
  return std::nullopt;
}

uint32_t v4_at(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

// 2001::/23 (IETF protocol assignments: Teredo 2001::/32, benchmarking
// 2001:2::/48, ORCHID 2001:10::/28, ...) is not globally reachable, except the
// blocks IANA's registry marks so: 2001:1::1-3 (anycast), 2001:3::/32 (AMT),
// 2001:4:112::/48 (AS112), 2001:20::/28 (ORCHIDv2), 2001:30::/28 (DRIP).
bool ietf_assignment_reachable(const uint8_t* b) {
  static const uint8_t kZero[16] = {};
  const unsigned group2 = (unsigned(b[2]) << 8) | b[3];
  if (group2 == 0x0001) return std::memcmp(b + 4, kZero, 11) == 0 && b[15] >= 1 && b[15] <= 3;
  if (group2 == 0x0003) return true;
  if (group2 == 0x0004) return b[4] == 0x01 && b[5] == 0x12;
  return (group2 & 0xfff0) == 0x0020 || (group2 & 0xfff0) == 0x0030;
}

std::optional<std::string> v6_reason(const in6_addr& a) {
  const uint8_t* b = a.s6_addr;
  static const uint8_t kZero[16] = {};
  if (std::memcmp(b, kZero, 16) == 0) return "unspecified";
  if (std::memcmp(b, kZero, 15) == 0 && b[15] == 1) return "loopback";
  // ::ffff:a.b.c.d (IPv4-mapped) carries an IPv4 address: judge that one.
  if (std::memcmp(b, kZero, 10) == 0 && b[10] == 0xff && b[11] == 0xff)
    return v4_reason(v4_at(b + 12));
  // So does 64:ff9b::/96 (NAT64, the well-known prefix).
  static const uint8_t kNat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  if (std::memcmp(b, kNat64, 12) == 0) return v4_reason(v4_at(b + 12));
  if ((b[0] & 0xfe) == 0xfc) return "private";                     // fc00::/7
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return "link-local";  // fe80::/10
  if (b[0] == 0xff) return "multicast";                            // ff00::/8
  // Global unicast is 2000::/3 alone; the rest is reserved: the rest of ::/8
  // (IPv4-compatible ::a.b.c.d, IPv4-translated ::ffff:0:a.b.c.d, local-use
  // NAT64 64:ff9b:1::/48), 100::/64 (discard), 5f00::/16 (SRv6), fec0::/10, ...
  if ((b[0] & 0xe0) != 0x20) return "reserved";
  if (b[0] == 0x20 && b[1] == 0x01 && (b[2] & 0xfe) == 0 && !ietf_assignment_reachable(b))
    return "reserved";  // 2001::/23
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return "documentation";
  if (b[0] == 0x3f && b[1] == 0xff && (b[2] & 0xf0) == 0) return "documentation";  // 3fff::/20
  if (b[0] == 0x20 && b[1] == 0x02) return v4_reason(v4_at(b + 2));  // 6to4 embeds IPv4
  return std::nullopt;
}

}  // namespace

std::optional<std::string> forbidden_reason(const sockaddr* addr) {
  if (!addr) return "unknown address";
  if (addr->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(addr);
    return v4_reason(ntohl(in->sin_addr.s_addr));
  }
  if (addr->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
    return v6_reason(in6->sin6_addr);
  }
  return "unsupported address family";
}

std::optional<std::string> forbidden_reason_for_literal(std::string_view ip) {
  std::string s(ip);
  if (s.size() > 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) return v4_reason(ntohl(v4.s_addr));
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) return v6_reason(v6);
  return std::nullopt;
}

}  // namespace promptjang
