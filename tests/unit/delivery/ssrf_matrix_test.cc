// The SSRF matrix (issue 8, item 7): every reserved IPv4 and IPv6 range of the
// IANA special-purpose registries, by its first and last address and its
// neighbours outside it, as text and as the sockaddr the senders pass, and each
// IPv4 one again in its IPv4-mapped, NAT64 and 6to4 IPv6 forms; then, through
// both senders (curl and beast) against a real loopback receiver: decimal,
// octal, hex and short spellings of 127.0.0.1 and of 0.0.0.0, IPv6 spellings of
// ::1 and of mapped loopback, host names that resolve to loopback (localhost,
// the names /etc/hosts maps to loopback, and names made up here that a test
// resolver maps to loopback, ::1 and mapped loopback), each refused after
// resolution with the receiver never contacted, and (but for 0.0.0.0 and the
// addresses off loopback) first reaching it with the guard off, so each
// spelling is a real way in that the guard closes; and redirects (301, 302,
// 303, 307, 308) to internal addresses: reported with their status, never
// followed, and a failed attempt for the retry policy.
//
// The test resolver: this file defines getaddrinfo(), which takes the place of
// libc's for the whole binary (libcurl's resolver thread and BeastHttpClient's
// DnsResolver both call it). Names under ".ssrf.test" resolve to the addresses
// in kFakeNames; every other name goes to libc's getaddrinfo.
#include <arpa/inet.h>
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <netdb.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "delivery/http_client.h"
#include "delivery/retry_policy.h"
#include "delivery/ssrf_guard.h"
#include "unit/delivery/raw_server.h"
#include "unit/delivery/sender_fixture.h"

namespace {

// Made-up names and the addresses the test resolver gives them (in order).
struct FakeName {
  const char* name;
  std::vector<const char*> addresses;
};
const FakeName kFakeNames[] = {
    {"loopback.ssrf.test", {"127.0.0.1"}},
    {"loopback6.ssrf.test", {"::1"}},
    {"mapped.ssrf.test", {"::ffff:127.0.0.1"}},
    {"many.ssrf.test", {"127.0.0.1", "::1", "10.0.0.1", "169.254.169.254", "::ffff:127.0.0.1"}},
};

using GetAddrInfo = int (*)(const char*, const char*, const addrinfo*, addrinfo**);

GetAddrInfo libc_getaddrinfo() {
  static const auto real = reinterpret_cast<GetAddrInfo>(::dlsym(RTLD_NEXT, "getaddrinfo"));
  return real;
}

}  // namespace

// Takes the place of libc's getaddrinfo in this binary (see the top). The
// answer for a made-up name is libc's own answer for each numeric address,
// chained: freeaddrinfo() frees it like any other.
extern "C" int getaddrinfo(const char* node, const char* service, const addrinfo* hints,
                           addrinfo** res) noexcept {
  const GetAddrInfo real = libc_getaddrinfo();
  if (!real) return EAI_SYSTEM;
  if (node) {
    for (const FakeName& fake : kFakeNames) {
      if (::strcasecmp(node, fake.name) != 0) continue;
      addrinfo numeric{};
      if (hints) numeric = *hints;
      numeric.ai_flags |= AI_NUMERICHOST;
      numeric.ai_flags &= ~AI_ADDRCONFIG;
      addrinfo* head = nullptr;
      addrinfo** tail = &head;
      for (const char* address : fake.addresses) {
        addrinfo* one = nullptr;
        if (real(address, service, &numeric, &one) != 0) continue;  // (a family not asked for)
        *tail = one;
        while (*tail) tail = &(*tail)->ai_next;
      }
      if (!head) return EAI_NONAME;
      *res = head;
      return 0;
    }
  }
  return real(node, service, hints, res);
}

namespace promptjang::testing {
namespace {

using namespace std::chrono_literals;

// --- The address tables ---

std::optional<std::string> reason_by_sockaddr(const std::string& ip) {
  sockaddr_in v4{};
  if (inet_pton(AF_INET, ip.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    v4.sin_port = htons(443);
    return forbidden_reason(reinterpret_cast<const sockaddr*>(&v4));
  }
  sockaddr_in6 v6{};
  if (inet_pton(AF_INET6, ip.c_str(), &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(443);
    return forbidden_reason(reinterpret_cast<const sockaddr*>(&v6));
  }
  ADD_FAILURE() << ip << " is not an IP literal";
  return "not an IP literal";
}

// `ip` is refused as `reason` (nullptr: allowed), as text and as a sockaddr.
void expect_verdict(const std::string& ip, const char* reason, const std::string& context = "") {
  const auto by_text = forbidden_reason_for_literal(ip);
  const auto by_sockaddr = reason_by_sockaddr(ip);
  if (reason) {
    EXPECT_EQ(by_text.value_or("<allowed>"), reason) << ip << " " << context;
    EXPECT_EQ(by_sockaddr.value_or("<allowed>"), reason) << ip << " " << context << " (sockaddr)";
  } else {
    EXPECT_FALSE(by_text) << ip << " " << context << " refused as " << *by_text;
    EXPECT_FALSE(by_sockaddr) << ip << " " << context << " refused as " << *by_sockaddr
                              << " (sockaddr)";
  }
}

uint32_t v4_value(const std::string& ip) {
  in_addr a{};
  EXPECT_EQ(inet_pton(AF_INET, ip.c_str(), &a), 1) << ip;
  return ntohl(a.s_addr);
}

std::string hex16(uint32_t v) {
  std::ostringstream s;
  s << std::hex << v;
  return s.str();
}

// An IPv4 address judged through each IPv6 form that carries one: the same verdict.
void expect_v4_everywhere(const std::string& ip, const char* reason) {
  expect_verdict(ip, reason);
  const uint32_t v = v4_value(ip);
  const std::string hi = hex16(v >> 16), lo = hex16(v & 0xffff);
  expect_verdict("::ffff:" + ip, reason, "(IPv4-mapped of " + ip + ")");
  expect_verdict("::ffff:" + hi + ":" + lo, reason, "(IPv4-mapped, hex, of " + ip + ")");
  expect_verdict("0:0:0:0:0:ffff:" + ip, reason, "(IPv4-mapped, long, of " + ip + ")");
  expect_verdict("64:ff9b::" + ip, reason, "(NAT64 of " + ip + ")");
  expect_verdict("64:ff9b::" + hi + ":" + lo, reason, "(NAT64, hex, of " + ip + ")");
  expect_verdict("2002:" + hi + ":" + lo + "::1", reason, "(6to4 of " + ip + ")");
}

struct Range {
  const char* cidr;
  const char* first;
  const char* last;
  const char* reason;
  const char* below = nullptr;  // the address just before `first`, when it is allowed
  const char* above = nullptr;  // the address just after `last`, when it is allowed
};

// IANA IPv4 Special-Purpose Address Registry (not globally reachable), 224/4
// multicast, and 255.255.255.255 (inside 240/4).
const Range kV4Ranges[] = {
    {"0.0.0.0/8", "0.0.0.0", "0.255.255.255", "unspecified", nullptr, "1.0.0.0"},
    {"10.0.0.0/8", "10.0.0.0", "10.255.255.255", "private", "9.255.255.255", "11.0.0.0"},
    {"100.64.0.0/10", "100.64.0.0", "100.127.255.255", "carrier-grade NAT", "100.63.255.255",
     "100.128.0.0"},
    {"127.0.0.0/8", "127.0.0.0", "127.255.255.255", "loopback", "126.255.255.255", "128.0.0.0"},
    {"169.254.0.0/16", "169.254.0.0", "169.254.255.255", "link-local", "169.253.255.255",
     "169.255.0.0"},
    {"172.16.0.0/12", "172.16.0.0", "172.31.255.255", "private", "172.15.255.255", "172.32.0.0"},
    {"192.0.0.0/24", "192.0.0.0", "192.0.0.255", "reserved", "191.255.255.255", "192.0.1.0"},
    {"192.0.2.0/24", "192.0.2.0", "192.0.2.255", "documentation", "192.0.1.255", "192.0.3.0"},
    {"192.88.99.0/24", "192.88.99.0", "192.88.99.255", "reserved", "192.88.98.255", "192.88.100.0"},
    {"192.168.0.0/16", "192.168.0.0", "192.168.255.255", "private", "192.167.255.255",
     "192.169.0.0"},
    {"198.18.0.0/15", "198.18.0.0", "198.19.255.255", "benchmarking", "198.17.255.255",
     "198.20.0.0"},
    {"198.51.100.0/24", "198.51.100.0", "198.51.100.255", "documentation", "198.51.99.255",
     "198.51.101.0"},
    {"203.0.113.0/24", "203.0.113.0", "203.0.113.255", "documentation", "203.0.112.255",
     "203.0.114.0"},
    {"224.0.0.0/4", "224.0.0.0", "239.255.255.255", "multicast", "223.255.255.255", nullptr},
    {"240.0.0.0/4", "240.0.0.0", "255.255.255.254", "reserved"},
    {"255.255.255.255/32", "255.255.255.255", "255.255.255.255", "reserved"},
};

TEST(SsrfMatrix, EveryReservedIpv4RangeFirstAndLastInEveryForm) {
  for (const Range& r : kV4Ranges) {
    SCOPED_TRACE(r.cidr);
    expect_v4_everywhere(r.first, r.reason);
    expect_v4_everywhere(r.last, r.reason);
    if (r.below) expect_v4_everywhere(r.below, nullptr);
    if (r.above) expect_v4_everywhere(r.above, nullptr);
  }
  // Cloud metadata services, by the range each falls in.
  expect_v4_everywhere("169.254.169.254", "link-local");         // AWS, GCP, Azure, DigitalOcean
  expect_v4_everywhere("169.254.170.2", "link-local");           // AWS ECS task metadata
  expect_v4_everywhere("100.100.100.200", "carrier-grade NAT");  // Alibaba Cloud
  expect_v4_everywhere("192.0.0.192", "reserved");               // Oracle Cloud
  // Public addresses go through in every form.
  for (const char* ip : {"1.1.1.1", "8.8.8.8", "93.184.216.34", "223.255.255.255"})
    expect_v4_everywhere(ip, nullptr);
}

// IANA IPv6 Special-Purpose Address Registry (not globally reachable), ff00::/8
// multicast, and what lies outside 2000::/3 (the only global unicast space).
const Range kV6Ranges[] = {
    {"::/128", "::", "::", "unspecified"},
    {"::1/128", "::1", "::1", "loopback"},
    {"::/96 (IPv4-compatible, deprecated)", "::0.0.0.2", "::255.255.255.255", "reserved"},
    {"::ffff:0:0:0/96 (IPv4-translated)", "::ffff:0:0.0.0.0", "::ffff:0:255.255.255.255",
     "reserved"},
    {"the rest of ::/8", "::1:0:0:0", "ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "reserved"},
    {"64:ff9b:1::/48 (local-use NAT64)", "64:ff9b:1::", "64:ff9b:1:ffff:ffff:ffff:ffff:ffff",
     "reserved"},
    {"100::/64 (discard-only)", "100::", "100::ffff:ffff:ffff:ffff", "reserved"},
    {"100:0:0:1::/64 (dummy prefix)", "100:0:0:1::", "100::1:ffff:ffff:ffff:ffff", "reserved"},
    {"2001::/32 (Teredo)", "2001::", "2001:0:ffff:ffff:ffff:ffff:ffff:ffff", "reserved",
     "1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" /* outside 2000::/3: see below */},
    {"2001:2::/48 (benchmarking)", "2001:2::", "2001:2:0:ffff:ffff:ffff:ffff:ffff", "reserved"},
    {"2001:10::/28 (ORCHID, deprecated)", "2001:10::", "2001:1f:ffff:ffff:ffff:ffff:ffff:ffff",
     "reserved"},
    {"2001::/23 (IETF protocol assignments)", "2001:4::", "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff",
     "reserved", nullptr, "2001:200::"},
    {"2001:db8::/32", "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "documentation",
     "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db9::"},
    {"3fff::/20", "3fff::", "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", "documentation",
     "3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "3fff:1000::"},
    {"5f00::/16 (SRv6 SIDs)", "5f00::", "5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "reserved"},
    {"4000::/2 and 8000::/1 (unassigned)", "4000::", "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
     "reserved", "3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
    {"fc00::/7", "fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "private"},
    {"fe80::/10", "fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "link-local"},
    {"fec0::/10 (site-local, deprecated)", "fec0::", "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
     "reserved"},
    {"ff00::/8", "ff00::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "multicast"},
};

TEST(SsrfMatrix, EveryReservedIpv6RangeFirstAndLast) {
  for (const Range& r : kV6Ranges) {
    SCOPED_TRACE(r.cidr);
    expect_verdict(r.first, r.reason);
    expect_verdict(r.last, r.reason);
    if (r.above) expect_verdict(r.above, nullptr);
    if (r.below && std::string_view(r.below).starts_with("1fff")) {
      expect_verdict(r.below, "reserved");  // 2000::/3 begins at 2000::
    } else if (r.below) {
      expect_verdict(r.below, nullptr);
    }
  }
  // Global unicast space: its first and last addresses, public resolvers.
  for (const char* ip : {"2000::", "2000::1", "2001:4860:4860::8888", "2606:4700:4700::1111",
                         "2a00:1450:4001::1", "3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"})
    expect_verdict(ip, nullptr);
  // Inside 2001::/23, the blocks IANA marks globally reachable.
  for (const char* ip : {"2001:1::1", "2001:1::2", "2001:1::3", "2001:3::", "2001:3::1",
                         "2001:4:112::", "2001:4:112:ffff::1", "2001:20::", "2001:2f::1",
                         "2001:30::1", "2001:3f:ffff:ffff:ffff:ffff:ffff:ffff"})
    expect_verdict(ip, nullptr);
  for (const char* ip : {"2001:1::", "2001:1::4", "2001:4:113::1", "2001:4::1", "2001:40::1"})
    expect_verdict(ip, "reserved");
  // Cloud metadata over IPv6 (AWS IMDS) and the link-local all-nodes group.
  expect_verdict("fd00:ec2::254", "private");
  expect_verdict("ff02::1", "multicast");
}

TEST(SsrfMatrix, Ipv6EmbeddingsOfIpv4AreJudgedByTheIpv4Address) {
  // ::ffff:0:0/96 mapped, 64:ff9b::/96 NAT64 and 2002::/16 6to4: their first and
  // last addresses carry 0.0.0.0 and 255.255.255.255.
  expect_verdict("::ffff:0.0.0.0", "unspecified");
  expect_verdict("::ffff:255.255.255.255", "reserved");
  expect_verdict("64:ff9b::", "unspecified");
  expect_verdict("64:ff9b::ffff:ffff", "reserved");
  expect_verdict("2002::", "unspecified");
  expect_verdict("2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "reserved");
  // Other spellings of the same mapped loopback.
  for (const char* ip : {"::ffff:7f00:1", "::FFFF:7F00:0001", "0:0:0:0:0:ffff:7f00:1",
                         "0000:0000:0000:0000:0000:ffff:127.0.0.1", "[::ffff:127.0.0.1]"})
    EXPECT_EQ(forbidden_reason_for_literal(ip).value_or("<allowed>"), "loopback") << ip;
  for (const char* ip :
       {"0:0:0:0:0:0:0:1", "0000:0000:0000:0000:0000:0000:0000:0001", "::0:1", "[0::1]"})
    EXPECT_EQ(forbidden_reason_for_literal(ip).value_or("<allowed>"), "loopback") << ip;
}

// --- Through both senders ---

void answer_ok(RawConn& c) {
  while (c.read_request())
    if (!c.write(raw_response(200, "reached"))) return;
}

class SsrfSenderTest : public SenderTest {
 protected:
  // A second client with the guard off, for the control sends.
  OutboundResult post_unguarded(const std::string& url) {
    if (!unguarded_) {
      BeastClientOptions o = options_;
      o.allow_private_targets = true;
      unguarded_ = factory_.make(o, clock_, *logger_);
    }
    auto promise = std::make_shared<std::promise<OutboundResult>>();
    auto future = promise->get_future();
    unguarded_->send({url, {}, "{}"},
                     [promise](OutboundResult r) { promise->set_value(std::move(r)); });
    if (future.wait_for(8s) != std::future_status::ready) {
      ADD_FAILURE() << "no callback for " << url;
      return {};
    }
    return future.get();
  }

  // With the guard off `host` reaches `server` (when `control`); with it on the
  // attempt is refused_by_policy with `reason` in its detail, and the server
  // sees no connection.
  void expect_refused(const std::string& host, RawServer& server, const std::string& reason,
                      bool control = true) {
    const std::string url = "http://" + host + ":" + std::to_string(server.port()) + "/hook";
    SCOPED_TRACE(url);
    if (control) {
      OutboundResult r = post_unguarded(url);
      EXPECT_EQ(r.status_code, 200)
          << "control: " << r.error.value_or("") << ": " << r.error_detail;
      EXPECT_EQ(r.response_body, "reached");
    }
    const int before = server.accepted();
    OutboundResult r = post(url);
    EXPECT_EQ(r.error, "refused_by_policy") << r.error_detail;
    EXPECT_FALSE(r.status_code);
    EXPECT_NE(r.error_detail.find(" is " + reason), std::string::npos) << r.error_detail;
    EXPECT_EQ(server.accepted(), before) << "the guarded client reached the receiver";
  }

  void SetUp() override { options_.allow_private_targets = false; }

  std::unique_ptr<HttpClient> unguarded_;
};

TEST_P(SsrfSenderTest, DecimalOctalHexAndShortSpellingsOfLoopbackAreRefused) {
  RawServer v4(answer_ok);
  ASSERT_TRUE(v4.ok());
  for (const char* host : {"127.0.0.1", "127.1", "127.0.1", "2130706433", "017700000001",
                           "0x7f000001", "0X7F000001", "0177.0.0.1", "0177.0.0.01", "0177.1",
                           "0x7f.0x0.0x0.0x1", "0x7f.0.0.1", "0x7f.1", "127.000.000.001"})
    expect_refused(host, v4, "loopback");
}

TEST_P(SsrfSenderTest, Ipv6AndMappedSpellingsOfLoopbackAreRefused) {
  RawServer v4(answer_ok);
  ASSERT_TRUE(v4.ok());
  for (const char* host : {"[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::FFFF:7F00:0001]",
                           "[0:0:0:0:0:ffff:127.0.0.1]"})
    expect_refused(host, v4, "loopback");
  RawServer v6(answer_ok, /*ipv6=*/true);
  if (!v6.ok()) GTEST_SKIP() << "no IPv6 loopback";
  for (const char* host :
       {"[::1]", "[0:0:0:0:0:0:0:1]", "[0000:0000:0000:0000:0000:0000:0000:0001]", "[::0:1]"})
    expect_refused(host, v6, "loopback");
}

TEST_P(SsrfSenderTest, SpellingsOfTheUnspecifiedAddressAreRefused) {
  // Connecting to 0.0.0.0 (or ::) reaches this machine on Linux; no control
  // send here, as that is the kernel's business, not the sender's.
  RawServer v4(answer_ok);
  ASSERT_TRUE(v4.ok());
  for (const char* host : {"0.0.0.0", "0", "0x0", "00", "0.0", "[::]", "[::ffff:0.0.0.0]"})
    expect_refused(host, v4, "unspecified", /*control=*/false);
}

TEST_P(SsrfSenderTest, OtherReservedLiteralsAreRefusedBeforeAnyConnection) {
  // Not on loopback, so no control send: with the guard working nothing leaves
  // the machine; were it broken, connect_timeout would bound the attempt.
  options_.connect_timeout = 300ms;
  const std::pair<const char*, const char*> cases[] = {
      {"169.254.169.254", "link-local"},
      {"0xa9fea9fe", "link-local"},
      {"2852039166", "link-local"},
      {"10.0.0.1", "private"},
      {"012.1", "private"},
      {"100.100.100.200", "carrier-grade NAT"},
      {"192.168.1.1", "private"},
      {"224.0.0.1", "multicast"},
      {"255.255.255.255", "reserved"},
      {"[fd00:ec2::254]", "private"},
      {"[fe80::1]", "link-local"},
      {"[64:ff9b::7f00:1]", "loopback"},
      {"[64:ff9b::169.254.169.254]", "link-local"},
      {"[2002:7f00:1::1]", "loopback"},
      {"[::ffff:169.254.169.254]", "link-local"},
      {"[::ffff:0:7f00:1]", "reserved"},
      {"[::127.0.0.1]", "reserved"},
      {"[64:ff9b:1::7f00:1]", "reserved"},
      {"[2001::7f00:1]", "reserved"},
      {"[ff02::1]", "multicast"},
  };
  for (const auto& [host, reason] : cases) {
    const std::string url = std::string("http://") + host + ":8080/latest/meta-data/";
    OutboundResult r = post(url);
    EXPECT_EQ(r.error, "refused_by_policy") << url << ": " << r.error_detail;
    EXPECT_NE(r.error_detail.find(std::string(" is ") + reason), std::string::npos)
        << url << ": " << r.error_detail;
  }
}

// The names /etc/hosts maps to loopback addresses only (localhost among them on
// any usual machine).
std::vector<std::string> loopback_names_in_etc_hosts() {
  std::ifstream in("/etc/hosts");
  std::set<std::string> names;
  std::set<std::string> elsewhere;
  std::string line;
  while (std::getline(in, line)) {
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    std::string ip, name;
    if (!(words >> ip)) continue;
    const auto why = forbidden_reason_for_literal(ip);
    const bool loopback = why && *why == "loopback";
    while (words >> name) (loopback ? names : elsewhere).insert(name);
  }
  std::vector<std::string> out;
  for (const auto& n : names)
    if (!elsewhere.count(n)) out.push_back(n);
  return out;
}

// Every address libc gives `name` (empty when it does not resolve).
std::vector<std::string> resolve(const std::string& name) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  std::vector<std::string> out;
  if (::getaddrinfo(name.c_str(), nullptr, &hints, &list) != 0) return out;
  for (addrinfo* a = list; a; a = a->ai_next) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (a->ai_family == AF_INET)
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr, buf, sizeof buf);
    if (a->ai_family == AF_INET6)
      inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr, buf, sizeof buf);
    if (buf[0]) out.emplace_back(buf);
  }
  ::freeaddrinfo(list);
  return out;
}

TEST_P(SsrfSenderTest, NamesThatResolveToLoopbackAreRefusedAfterResolution) {
  RawServer v4(answer_ok);
  ASSERT_TRUE(v4.ok());
  std::vector<std::string> names = {"localhost", "LOCALHOST", "LocalHost"};
  for (const auto& n : loopback_names_in_etc_hosts()) names.push_back(n);
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0 && host[0]) names.emplace_back(host);
  int tried = 0;
  for (const auto& name : names) {
    const auto addresses = resolve(name);
    // Only names that resolve to 127.0.0.1 alone can reach the receiver.
    if (addresses != std::vector<std::string>{"127.0.0.1"}) {
      if (!addresses.empty()) {
        const std::string url = "http://" + name + ":" + std::to_string(v4.port()) + "/";
        OutboundResult r = post(url);
        bool all_forbidden = true;
        for (const auto& a : addresses)
          all_forbidden &= forbidden_reason_for_literal(a).has_value();
        if (all_forbidden) {
          EXPECT_EQ(r.error, "refused_by_policy") << url << ": " << r.error_detail;
        }
      }
      continue;
    }
    ++tried;
    expect_refused(name, v4, "loopback");
  }
  EXPECT_GE(tried, 1) << "localhost does not resolve to 127.0.0.1 alone here";
  EXPECT_EQ(resolve("loopback.ssrf.test"), std::vector<std::string>{"127.0.0.1"})
      << "the test resolver is not in place";
  expect_refused("loopback.ssrf.test", v4, "loopback");
  expect_refused("LOOPBACK.ssrf.test", v4, "loopback");
  expect_refused("mapped.ssrf.test", v4, "loopback");
  // Several addresses, every one refused: none is tried (no control send: with
  // the guard off, one of them is not on loopback).
  expect_refused("many.ssrf.test", v4, "loopback", /*control=*/false);
  RawServer v6(answer_ok, /*ipv6=*/true);
  if (v6.ok()) expect_refused("loopback6.ssrf.test", v6, "loopback");
}

TEST_P(SsrfSenderTest, RedirectToAnInternalAddressIsAFailedAttemptAndNeverFollowed) {
  options_.allow_private_targets = true;  // the receiver itself is on loopback
  RawServer internal(answer_ok);
  ASSERT_TRUE(internal.ok());
  RawServer internal6(answer_ok, /*ipv6=*/true);
  const std::string port = std::to_string(internal.port());
  std::vector<std::string> locations = {
      "http://127.0.0.1:" + port + "/admin", "http://localhost:" + port + "/",
      "http://0x7f000001:" + port + "/", "http://loopback.ssrf.test:" + port + "/",
      "/relative/" + port};
  if (internal6.ok()) locations.push_back("http://[::1]:" + std::to_string(internal6.port()) + "/");
  for (int status : {301, 302, 303, 307, 308}) {
    for (const std::string& location : locations) {
      SCOPED_TRACE(std::to_string(status) + " to " + location);
      RawServer receiver([&](RawConn& c) {
        while (c.read_request()) {
          const std::string head = "HTTP/1.1 " + std::to_string(status) +
                                   " Moved\r\nLocation: " + location +
                                   "\r\nContent-Length: 5\r\n\r\nmoved";
          if (!c.write(head)) return;
        }
      });
      ASSERT_TRUE(receiver.ok());
      OutboundResult r = post(receiver.url("/hook"));
      EXPECT_FALSE(r.error) << *r.error << ": " << r.error_detail;
      EXPECT_EQ(r.status_code, status);
      EXPECT_EQ(header(r.response_headers, "location"), location);
      EXPECT_EQ(r.response_body, "moved");
      EXPECT_EQ(receiver.accepted(), 1);
      // A failed attempt: retried on the schedule, never DELIVERED.
      const Outcome outcome{r.status_code, r.error};
      EXPECT_FALSE(is_success(outcome));
      const TimePoint now = clock_.now();
      const Decision d = decide(default_retry_schedule(), 1, outcome, now);
      EXPECT_EQ(d.status, EventStatus::kRetrying);
      EXPECT_EQ(d.next_attempt_at, now + std::chrono::seconds(60));
      EXPECT_EQ(decide(default_retry_schedule(), 6, outcome, now).status, EventStatus::kExpired);
    }
  }
  EXPECT_EQ(internal.accepted(), 0) << "a redirect was followed";
  if (internal6.ok()) {
    EXPECT_EQ(internal6.accepted(), 0) << "a redirect was followed";
  }
}

// sender_fixture.cc instantiates SenderTest, whose tests are in sender_test.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SenderTest);

INSTANTIATE_TEST_SUITE_P(Clients, SsrfSenderTest,
                         ::testing::Values(curl_factory(), beast_factory()),
                         [](const ::testing::TestParamInfo<ClientFactory>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace promptjang::testing
