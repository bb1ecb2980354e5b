// Network grants: the spelling of --allow-connect / --allow-listen / --tcplisten and the TOML
// keys, and how addresses are matched (CIDR, port ranges, *, v4-mapped IPv6, names).
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include "broker/net_policy.h"
#include "broker/policy.h"

namespace wc::broker {
namespace {

NetAddr addr(const char* text, uint16_t port) {
  NetAddr a;
  a.port = port;
  if (inet_pton(AF_INET, text, a.bytes.data()) == 1) {
    a.family = AF_INET;
  } else {
    struct sockaddr_in6 sin6 = {};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(port);
    EXPECT_EQ(1, inet_pton(AF_INET6, text, &sin6.sin6_addr)) << text;
    EXPECT_TRUE(to_net_addr(reinterpret_cast<struct sockaddr*>(&sin6), sizeof sin6, &a));
  }
  return a;
}

std::vector<NetRule> rules(std::initializer_list<const char*> specs) {
  std::vector<NetRule> out;
  std::string err;
  for (const char* s : specs) EXPECT_TRUE(parse_net_grant(s, &out, &err)) << s << ": " << err;
  return out;
}

bool allows(std::initializer_list<const char*> specs, const char* a, uint16_t port) {
  return match_net(rules(specs), addr(a, port)) != nullptr;
}

TEST(BrokerNetPolicy, Spellings) {
  std::vector<NetRule> out;
  std::string err;
  for (const char* ok : {"127.0.0.1:80", "[::1]:8080", "10.0.0.0/8:443", "[fd00::/8]:*",
                         "127.0.0.1:8000-8099", "*:443", "*:*", "0.0.0.0:0", "[::]:0",
                         "[::ffff:127.0.0.1]:80", "localhost:8080", "LOCALHOST.:1"}) {
    EXPECT_TRUE(parse_net_grant(ok, &out, &err)) << ok << ": " << err;
  }
  for (const char* bad :
       {"", "127.0.0.1", "127.0.0.1:", ":80", "127.0.0.1:65536", "127.0.0.1:-1",
        "127.0.0.1:8099-8000", "127.0.0.1:80-", "::1:80", "[::1]", "[::1]80", "10.0.0.0/33:1",
        "[::/129]:1", "10.0.0.0/:1", "10.0.0.0/x:1", "[127.0.0.1]:80", "bad name!:80", "host/8:80",
        "no-such-host.invalid:80"}) {
    err.clear();
    EXPECT_FALSE(parse_net_grant(bad, &out, &err)) << bad;
    EXPECT_FALSE(err.empty()) << bad;
  }
}

TEST(BrokerNetPolicy, Matching) {
  EXPECT_TRUE(allows({"127.0.0.1:80"}, "127.0.0.1", 80));
  EXPECT_FALSE(allows({"127.0.0.1:80"}, "127.0.0.1", 81));
  EXPECT_FALSE(allows({"127.0.0.1:80"}, "127.0.0.2", 80));
  // Port ranges, inclusive.
  EXPECT_TRUE(allows({"127.0.0.1:8000-8099"}, "127.0.0.1", 8000));
  EXPECT_TRUE(allows({"127.0.0.1:8000-8099"}, "127.0.0.1", 8099));
  EXPECT_FALSE(allows({"127.0.0.1:8000-8099"}, "127.0.0.1", 8100));
  EXPECT_FALSE(allows({"127.0.0.1:8000-8099"}, "127.0.0.1", 0));  // "any port" is not in it
  EXPECT_TRUE(allows({"127.0.0.1:*"}, "127.0.0.1", 0));
  // CIDR, on and off byte boundaries.
  EXPECT_TRUE(allows({"127.0.0.0/8:1"}, "127.255.3.4", 1));
  EXPECT_FALSE(allows({"127.0.0.0/8:1"}, "128.0.0.1", 1));
  EXPECT_TRUE(allows({"127.0.0.0/31:1"}, "127.0.0.1", 1));
  EXPECT_FALSE(allows({"127.0.0.0/31:1"}, "127.0.0.2", 1));
  EXPECT_TRUE(allows({"[fd00::/8]:*"}, "fd12::1", 5));
  EXPECT_FALSE(allows({"[fd00::/8]:*"}, "fe80::1", 5));
  // The unspecified address is only what names it (or contains it).
  EXPECT_FALSE(allows({"127.0.0.1:*"}, "0.0.0.0", 80));
  EXPECT_FALSE(allows({"[::1]:*"}, "::", 80));
  EXPECT_TRUE(allows({"0.0.0.0:80"}, "0.0.0.0", 80));
  EXPECT_TRUE(allows({"[::]:80"}, "::", 80));
  EXPECT_FALSE(allows({"[::]:80"}, "0.0.0.0", 80));
  EXPECT_TRUE(allows({"*:80"}, "0.0.0.0", 80));
  EXPECT_TRUE(allows({"*:80"}, "::1", 80));
  // v4-mapped IPv6 is IPv4, on both sides.
  EXPECT_TRUE(allows({"127.0.0.1:80"}, "::ffff:127.0.0.1", 80));
  EXPECT_FALSE(allows({"[::1]:80"}, "::ffff:127.0.0.1", 80));
  EXPECT_FALSE(allows({"[::]:80"}, "::ffff:0.0.0.0", 80));
  EXPECT_TRUE(allows({"[::ffff:127.0.0.1]:80"}, "127.0.0.1", 80));
  EXPECT_TRUE(allows({"[::ffff:127.0.0.0/104]:80"}, "127.1.2.3", 80));
  EXPECT_FALSE(allows({"[::/0]:80"}, "127.0.0.1", 80));  // an IPv6 grant is not an IPv4 one
  // The rule that matched names its grant.
  std::vector<NetRule> r = rules({"10.0.0.0/8:1", "127.0.0.0/8:*"});
  const NetRule* m = match_net(r, addr("127.0.0.1", 9));
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->spec, "127.0.0.0/8:*");
}

TEST(BrokerNetPolicy, NamesResolveOnceToAddresses) {
  std::vector<NetRule> r = rules({"localhost:8080"});
  ASSERT_FALSE(r.empty());
  for (const NetRule& x : r) {
    EXPECT_EQ(x.name, "localhost");
    EXPECT_EQ(x.spec, "localhost:8080");
    EXPECT_EQ(x.prefix, x.family == AF_INET ? 32 : 128);
  }
  EXPECT_NE(match_net(r, addr("127.0.0.1", 8080)), nullptr);
  EXPECT_EQ(match_net(r, addr("127.0.0.1", 8081)), nullptr);
  EXPECT_EQ(match_net(r, addr("127.0.0.2", 8080)), nullptr);
  EXPECT_NE(match_net(r, addr("127.0.0.1", 1), /*any_port=*/true), nullptr);
}

TEST(BrokerNetPolicy, FormatsAsTheFlagsTakeIt) {
  EXPECT_EQ(format_net_addr(addr("127.0.0.1", 80)), "127.0.0.1:80");
  EXPECT_EQ(format_net_addr(addr("::1", 80)), "[::1]:80");
  EXPECT_EQ(format_net_addr(addr("::ffff:10.1.2.3", 7)), "10.1.2.3:7");
}

TEST(BrokerNetPolicy, TcplistenAddresses) {
  struct sockaddr_storage ss;
  socklen_t len;
  std::string err;
  ASSERT_TRUE(parse_socket_address("127.0.0.1:0", &ss, &len, &err));
  EXPECT_EQ(ss.ss_family, AF_INET);
  EXPECT_EQ(len, sizeof(struct sockaddr_in));
  ASSERT_TRUE(parse_socket_address("[::1]:8080", &ss, &len, &err));
  EXPECT_EQ(ss.ss_family, AF_INET6);
  EXPECT_EQ(ntohs(reinterpret_cast<struct sockaddr_in6*>(&ss)->sin6_port), 8080);
  for (const char* bad :
       {"localhost:80", "127.0.0.1:*", "127.0.0.1:1-2", "10.0.0.0/8:1", "1.2.3.4"})
    EXPECT_FALSE(parse_socket_address(bad, &ss, &len, &err)) << bad;
}

TEST(BrokerNetPolicy, Toml) {
  Policy p;
  std::string err;
  ASSERT_TRUE(load_policy_string(R"(
allow_connect = ["127.0.0.1:8000-8099", "[fd00::/8]:*", "localhost:5432"]
allow_listen = ["127.0.0.1:8080"]
tcplisten = ["127.0.0.1:0"]
)",
                                 &p, &err))
      << err;
  EXPECT_GE(p.net.allow_connect.size(), 3u);
  ASSERT_EQ(p.net.allow_listen.size(), 1u);
  EXPECT_EQ(p.net.allow_listen[0].spec, "127.0.0.1:8080");
  EXPECT_EQ(p.net.tcplisten, std::vector<std::string>{"127.0.0.1:0"});
  for (const char* bad : {"allow_connect = [\"127.0.0.1\"]", "allow_listen = \"127.0.0.1:80\"",
                          "allow_connect = [80]", "tcplisten = [\"localhost:80\"]",
                          "allow_connnect = [\"127.0.0.1:80\"]"}) {
    Policy q;
    err.clear();
    EXPECT_FALSE(load_policy_string(bad, &q, &err)) << bad;
    EXPECT_FALSE(err.empty()) << bad;
  }
}

}  // namespace
}  // namespace wc::broker
