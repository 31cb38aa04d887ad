// Fuzz target: endpoint URL validation (service/endpoints.h) and the SSRF guard
// (delivery/ssrf_guard.h) on every address such a URL can name.
//
// The guard runs on the address actually connected to, so creating an
// endpoint for http://127.0.0.1/ is allowed (a server flag may permit it);
// what must hold is that no spelling of a refused address gets through. The
// input is tried as an endpoint URL and as an IP literal. Invariants:
//  - an accepted URL is at most 2048 characters, http(s), with a host and no
//    user info, and the sender can route it (beast_pool.cc: a port of 1-65535
//    when one is written, a host that is a name, IPv4 or IPv6 literal), and its
//    decoded host has no control character or space (it goes to the resolver
//    as a C string and into the Host header);
//  - an IP-literal host gets the same verdict from forbidden_reason() (what
//    the sender checks) as from forbidden_reason_for_literal(), and both refuse
//    whatever the reference ranges below refuse;
//  - a name host the resolver reads as a number (getaddrinfo takes inet_aton's
//    "127.1", "0x7f.0.0.1", "2130706433") resolves to an address refused when
//    the reference refuses it;
//  - an IPv4 address gets the same verdict in its IPv4-mapped, NAT64 and 6to4
//    IPv6 forms; a string inet_pton does not take is no literal (nullopt).
#include <arpa/inet.h>
#include <netinet/in.h>

#include <boost/url/parse.hpp>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

#include "delivery/ssrf_guard.h"
#include "fuzz/fuzz_check.h"
#include "service/endpoints.h"

namespace promptjang {
namespace {

namespace urls = boost::urls;

// The reference: what SPEC §3 and ssrf_guard.h promise to refuse, written out
// independently of ssrf_guard.cc (it may refuse more, never less).
bool v4_must_refuse(uint32_t a) {
  struct R {
    uint32_t base;
    int bits;
  };
  static constexpr R kRanges[] = {
      {0x00000000, 8},  {0x0a000000, 8},  {0x64400000, 10}, {0x7f000000, 8},  {0xa9fe0000, 16},
      {0xac100000, 12}, {0xc0000000, 24}, {0xc0000200, 24}, {0xc0a80000, 16}, {0xc6120000, 15},
      {0xc6336400, 24}, {0xcb007100, 24}, {0xe0000000, 4},  {0xf0000000, 4},
  };
  for (const R& r : kRanges)
    if ((a >> (32 - r.bits)) == (r.base >> (32 - r.bits))) return true;
  return false;
}

uint32_t v4_of(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

bool v6_must_refuse(const uint8_t* b) {
  static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  static const uint8_t kNat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  if (std::memcmp(b, kMapped, 12) == 0 || std::memcmp(b, kNat64, 12) == 0)
    return v4_must_refuse(v4_of(b + 12));
  if ((b[0] & 0xe0) != 0x20) return true;                                         // not 2000::/3
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return true;  // 2001:db8::/32
  if (b[0] == 0x20 && b[1] == 0x02) return v4_must_refuse(v4_of(b + 2));          // 6to4
  return false;
}

std::optional<std::string> verdict_v4(uint32_t host_order) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(host_order);
  return forbidden_reason(reinterpret_cast<const sockaddr*>(&sa));
}

std::optional<std::string> verdict_v6(const uint8_t* bytes) {
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  std::memcpy(sa.sin6_addr.s6_addr, bytes, 16);
  return forbidden_reason(reinterpret_cast<const sockaddr*>(&sa));
}

void check_v4(uint32_t a, const std::string& spelling) {
  const auto why = verdict_v4(a);
  FUZZ_CHECK(why || !v4_must_refuse(a), "IPv4 %08x ('%s') must be refused", a, spelling.c_str());
  uint8_t forms[3][16] = {
      {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff},  // ::ffff:a.b.c.d
      {0, 0x64, 0xff, 0x9b},                       // 64:ff9b::a.b.c.d
      {0x20, 0x02},                                // 2002:AABB:CCDD::
  };
  const uint8_t v4[4] = {uint8_t(a >> 24), uint8_t(a >> 16), uint8_t(a >> 8), uint8_t(a)};
  std::memcpy(forms[0] + 12, v4, 4);
  std::memcpy(forms[1] + 12, v4, 4);
  std::memcpy(forms[2] + 2, v4, 4);
  for (const auto& f : forms)
    FUZZ_CHECK(verdict_v6(f).has_value() == why.has_value(),
               "IPv4 %08x ('%s') and its IPv6 form disagree", a, spelling.c_str());
}

void check_v6(const uint8_t* b, const std::string& spelling) {
  FUZZ_CHECK(verdict_v6(b) || !v6_must_refuse(b), "IPv6 '%s' must be refused", spelling.c_str());
}

// `text` as an IP literal: the guard's reading of it must be inet_pton's.
void check_literal(const std::string& text) {
  const auto why = forbidden_reason_for_literal(text);
  in_addr v4{};
  in6_addr v6{};
  const std::string bare = text.size() > 2 && text.front() == '[' && text.back() == ']'
                               ? text.substr(1, text.size() - 2)
                               : text;
  if (bare.find('\0') != std::string::npos) return;  // a C API sees a prefix; nothing to compare
  if (inet_pton(AF_INET, bare.c_str(), &v4) == 1) {
    FUZZ_CHECK(why == verdict_v4(ntohl(v4.s_addr)), "literal '%s' judged apart from its address",
               text.c_str());
    check_v4(ntohl(v4.s_addr), text);
  } else if (inet_pton(AF_INET6, bare.c_str(), &v6) == 1) {
    FUZZ_CHECK(why == verdict_v6(v6.s6_addr), "literal '%s' judged apart from its address",
               text.c_str());
    check_v6(v6.s6_addr, text);
  } else {
    FUZZ_CHECK(!why, "'%s' is no IP literal, yet refused as '%s'", text.c_str(), why->c_str());
  }
}

void check_url(const std::string& url) {
  const bool accepted = validate_endpoint_url(url).is_ok();
  if (!accepted) return;
  FUZZ_CHECK(url.size() <= 2048, "a URL of %zu characters accepted", url.size());
  auto parsed = urls::parse_uri(url);  // what the sender parses it with
  FUZZ_CHECK(parsed.has_value(), "accepted '%s' does not parse as a URI", url.c_str());
  const urls::url_view& u = *parsed;
  FUZZ_CHECK(u.scheme_id() == urls::scheme::http || u.scheme_id() == urls::scheme::https,
             "accepted '%s' is not http(s)", url.c_str());
  FUZZ_CHECK(!u.encoded_host().empty() && !u.has_userinfo(),
             "accepted '%s' has no host or has "
             "user info",
             url.c_str());
  if (u.has_port() && !u.port().empty()) {  // as beast_pool.cc reads it
    const std::string_view port = u.port();
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    FUZZ_CHECK(
        ec == std::errc() && end == port.data() + port.size() && value >= 1 && value <= 65535,
        "accepted '%s' has port '%s', which the sender refuses", url.c_str(),
        std::string(port).c_str());
  }
  const auto type = u.host_type();
  FUZZ_CHECK(type == urls::host_type::name || type == urls::host_type::ipv4 ||
                 type == urls::host_type::ipv6,
             "accepted '%s' has a host the sender cannot connect to", url.c_str());
  const std::string host = u.host();  // decoded, as the resolver and the Host header get it
  for (unsigned char c : host)
    FUZZ_CHECK(c > 0x20 && c != 0x7f, "accepted '%s' has a host with byte 0x%02x", url.c_str(), c);
  if (type == urls::host_type::ipv4) {
    const uint32_t a = u.host_ipv4_address().to_uint();
    FUZZ_CHECK(forbidden_reason_for_literal(host) == verdict_v4(a), "'%s': host judged apart",
               url.c_str());
    check_v4(a, url);
  } else if (type == urls::host_type::ipv6) {
    const auto bytes = u.host_ipv6_address().to_bytes();
    FUZZ_CHECK(forbidden_reason_for_literal(host) == verdict_v6(bytes.data()),
               "'%s': host judged apart", url.c_str());
    check_v6(bytes.data(), url);
  } else {
    in_addr a{};  // the numeric forms getaddrinfo accepts for a "name"
    if (inet_aton(host.c_str(), &a) == 1) check_v4(ntohl(a.s_addr), url);
  }
}

}  // namespace
}  // namespace promptjang

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  promptjang::check_url(text);
  promptjang::check_literal(text);
  return 0;
}
