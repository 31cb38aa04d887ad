// The SSRF guard's address tables: IPv4, IPv6 (mapped, NAT64 and 6to4 forms
// included), host names (nullopt: judged after DNS) and the sockaddr entry point
// the sender calls from its socket-open hook.
#include "delivery/ssrf_guard.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <string>

namespace promptjang {
namespace {

struct Case {
  const char* ip;
  const char* reason;  // nullptr = allowed
};

void check(const Case& c) {
  const auto got = forbidden_reason_for_literal(c.ip);
  if (c.reason) {
    ASSERT_TRUE(got) << c.ip << " should be refused";
    EXPECT_EQ(*got, c.reason) << c.ip;
  } else {
    EXPECT_FALSE(got) << c.ip << " refused as " << got.value_or("");
  }
}

TEST(SsrfGuard, Ipv4Literals) {
  const Case cases[] = {
      {"0.0.0.0", "unspecified"},
      {"10.1.2.3", "private"},
      {"100.64.0.1", "carrier-grade NAT"},
      {"100.127.255.255", "carrier-grade NAT"},
      {"127.0.0.1", "loopback"},
      {"127.255.0.9", "loopback"},
      {"169.254.169.254", "link-local"},
      {"172.16.0.1", "private"},
      {"172.31.255.255", "private"},
      {"192.168.1.1", "private"},
      {"192.0.2.7", "documentation"},
      {"224.0.0.1", "multicast"},
      {"239.255.255.250", "multicast"},
      {"240.0.0.1", "reserved"},
      {"255.255.255.255", "reserved"},
      {"198.18.0.1", "benchmarking"},
      {"198.19.255.255", "benchmarking"},
      {"8.8.8.8", nullptr},
      {"1.1.1.1", nullptr},
      {"172.32.0.1", nullptr},
      {"172.15.255.255", nullptr},
      {"100.128.0.1", nullptr},
      {"100.63.255.255", nullptr},
      {"198.20.0.1", nullptr},
      {"11.0.0.1", nullptr},
      {"223.255.255.255", nullptr},
  };
  for (const auto& c : cases) check(c);
}

TEST(SsrfGuard, Ipv6Literals) {
  const Case cases[] = {
      {"::", "unspecified"},
      {"::1", "loopback"},
      {"[::1]", "loopback"},
      {"fc00::1", "private"},
      {"fd12::1", "private"},
      {"fe80::1", "link-local"},
      {"ff02::1", "multicast"},
      {"::ffff:127.0.0.1", "loopback"},
      {"::ffff:10.0.0.1", "private"},
      {"::ffff:169.254.169.254", "link-local"},
      {"64:ff9b::7f00:1", "loopback"},
      {"64:ff9b::a9fe:a9fe", "link-local"},
      {"2002:7f00:1::", "loopback"},
      {"2002:c0a8:101::1", "private"},
      {"2001:db8::1", "documentation"},
      {"::127.0.0.1", "reserved"},
      {"2001:4860:4860::8888", nullptr},
      {"::ffff:8.8.8.8", nullptr},
      {"64:ff9b::808:808", nullptr},
      {"2002:808:808::1", nullptr},
      {"2606:4700:4700::1111", nullptr},
  };
  for (const auto& c : cases) check(c);
}

TEST(SsrfGuard, HostNamesAreLeftForAfterResolution) {
  for (const char* name : {"example.com", "localhost", "nonexistent.invalid", "",
                           "127.0.0.1.nip.io", "0x7f000001", "[example.com]", "1.2.3", "::g"})
    EXPECT_FALSE(forbidden_reason_for_literal(name)) << name;
}

TEST(SsrfGuard, SockaddrIpv4) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(443);
  ASSERT_EQ(inet_pton(AF_INET, "127.0.0.1", &a.sin_addr), 1);
  EXPECT_EQ(forbidden_reason(reinterpret_cast<sockaddr*>(&a)), "loopback");
  ASSERT_EQ(inet_pton(AF_INET, "169.254.169.254", &a.sin_addr), 1);
  EXPECT_EQ(forbidden_reason(reinterpret_cast<sockaddr*>(&a)), "link-local");
  ASSERT_EQ(inet_pton(AF_INET, "93.184.216.34", &a.sin_addr), 1);
  EXPECT_EQ(forbidden_reason(reinterpret_cast<sockaddr*>(&a)), std::nullopt);
}

TEST(SsrfGuard, SockaddrIpv6) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(443);
  a.sin6_addr = in6addr_loopback;
  EXPECT_EQ(forbidden_reason(reinterpret_cast<sockaddr*>(&a)), "loopback");
  ASSERT_EQ(inet_pton(AF_INET6, "::ffff:192.168.0.1", &a.sin6_addr), 1);
  EXPECT_EQ(forbidden_reason(reinterpret_cast<sockaddr*>(&a)), "private");
  ASSERT_EQ(inet_pton(AF_INET6, "2001:4860:4860::8888", &a.sin6_addr), 1);
  EXPECT_EQ(forbidden_reason(reinterpret_cast<sockaddr*>(&a)), std::nullopt);
}

TEST(SsrfGuard, OtherFamiliesAndNullAreRefused) {
  sockaddr_un u{};
  u.sun_family = AF_UNIX;
  EXPECT_TRUE(forbidden_reason(reinterpret_cast<sockaddr*>(&u)));
  EXPECT_TRUE(forbidden_reason(nullptr));
}

}  // namespace
}  // namespace promptjang
