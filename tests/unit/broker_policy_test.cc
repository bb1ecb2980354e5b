// Policy parsing: --dir/--dir-ro specs, sizes and seconds, and the TOML file.
#include <gtest/gtest.h>

#include "broker/policy.h"
#include "broker_test_util.h"

namespace wc::broker {
namespace {

TEST(BrokerPolicy, MountSpecs) {
  Mount m;
  std::string err;
  ASSERT_TRUE(parse_mount("/srv/data", false, &m, &err));
  EXPECT_EQ(m.host, "/srv/data");
  EXPECT_EQ(m.guest, "/srv/data");
  EXPECT_FALSE(m.read_only);
  ASSERT_TRUE(parse_mount("/srv/data::/data", true, &m, &err));
  EXPECT_EQ(m.host, "/srv/data");
  EXPECT_EQ(m.guest, "/data");
  EXPECT_TRUE(m.read_only);
  ASSERT_TRUE(parse_mount(".::.", false, &m, &err));
  EXPECT_FALSE(parse_mount("", false, &m, &err));
  EXPECT_FALSE(parse_mount("::/data", false, &m, &err));
  EXPECT_FALSE(parse_mount("/srv::", false, &m, &err));
  EXPECT_EQ(mount_flag({"/srv", "/data", true}), "--dir-ro /srv::/data");
  EXPECT_EQ(mount_flag({"/srv", "/srv", false}), "--dir /srv");
}

TEST(BrokerPolicy, SizesAndSeconds) {
  uint64_t n;
  std::string err;
  ASSERT_TRUE(parse_size("4096", &n, &err));
  EXPECT_EQ(n, 4096u);
  ASSERT_TRUE(parse_size("64K", &n, &err));
  EXPECT_EQ(n, 64u << 10);
  ASSERT_TRUE(parse_size("512M", &n, &err));
  EXPECT_EQ(n, 512ull << 20);
  ASSERT_TRUE(parse_size("2GiB", &n, &err));
  EXPECT_EQ(n, 2ull << 30);
  ASSERT_TRUE(parse_size("1t", &n, &err));
  EXPECT_EQ(n, 1ull << 40);
  for (const char* bad : {"", "M", "12Q", "-5", "1.5G", "99999999999T", "5 M"}) {
    EXPECT_FALSE(parse_size(bad, &n, &err)) << bad;
  }
  double s;
  ASSERT_TRUE(parse_seconds("0.5", &s, &err));
  EXPECT_EQ(s, 0.5);
  for (const char* bad : {"", "-1", "inf", "nan", "3s"})
    EXPECT_FALSE(parse_seconds(bad, &s, &err)) << bad;
}

TEST(BrokerPolicy, TomlFile) {
  Policy p;
  p.mounts.push_back({"/cli", "/cli", false});
  p.limits.timeout = 99;
  std::string err;
  ASSERT_TRUE(load_policy_string(R"(
args = ["-v", "in.txt"]
env = { HOME = "/data", LANG = "C" }
dir = ["/srv/in::/in"]
dir_ro = ["/srv/ref"]
memory_limit = "512M"
cpu_time = 10
timeout = 2.5
max_fds = 64

[[mount]]
host = "/srv/data"
guest = "/data"
read_only = true

[[mount]]
host = "/srv/out"
)",
                                 &p, &err))
      << err;
  ASSERT_EQ(p.mounts.size(), 5u);
  EXPECT_EQ(p.mounts[0].host, "/cli");
  // Keys are visited in table order (sorted), arrays in file order.
  bool saw_data = false, saw_out = false, saw_in = false, saw_ref = false;
  for (const Mount& m : p.mounts) {
    if (m.host == "/srv/data") saw_data = m.guest == "/data" && m.read_only;
    if (m.host == "/srv/out") saw_out = m.guest == "/srv/out" && !m.read_only;
    if (m.host == "/srv/in") saw_in = m.guest == "/in" && !m.read_only;
    if (m.host == "/srv/ref") saw_ref = m.read_only;
  }
  EXPECT_TRUE(saw_data && saw_out && saw_in && saw_ref);
  EXPECT_EQ(p.args, (std::vector<std::string>{"-v", "in.txt"}));
  EXPECT_EQ(p.env.size(), 2u);
  EXPECT_EQ(p.limits.memory_limit, 512ull << 20);
  EXPECT_EQ(p.limits.cpu_time, 10);
  EXPECT_EQ(p.limits.timeout, 2.5);
  EXPECT_EQ(p.limits.max_fds, 64u);

  Policy q;
  ASSERT_TRUE(load_policy_string(R"(env = ["A=1", "B=2"])", &q, &err)) << err;
  EXPECT_EQ(q.env, (std::vector<std::string>{"A=1", "B=2"}));
}

TEST(BrokerPolicy, TomlErrorsFailClosed) {
  for (const char* bad : {
           "read-only = true",                           // unknown key
           "[[mount]]\nhost = \"/a\"\nreadonly = true",  // typo inside a mount
           "[[mount]]\nguest = \"/a\"",                  // no host
           "[[mount]]\nhost = \"/a\"\nread_only = \"yes\"",
           "env = [\"NOEQUALS\"]",
           "env = { A = 1 }",
           "memory_limit = -1",
           "memory_limit = \"lots\"",
           "cpu_time = \"-3\"",
           "args = \"not an array\"",
           "dir = [\"::x\"]",
           "this is not toml",
       }) {
    Policy p;
    std::string err;
    EXPECT_FALSE(load_policy_string(bad, &p, &err)) << bad;
    EXPECT_FALSE(err.empty()) << bad;
  }
}

TEST(BrokerPolicy, FileAndValidation) {
  wc::testing::TempDir t;
  wc::testing::write_file(t / "p.toml", "dir_ro = [\"/x::/y\"]\n");
  Policy p;
  std::string err;
  ASSERT_TRUE(load_policy_file(t / "p.toml", &p, &err)) << err;
  ASSERT_EQ(p.mounts.size(), 1u);
  EXPECT_FALSE(load_policy_file(t / "missing.toml", &p, &err));

  Policy many;
  for (int i = 0; i < 65; i++) many.mounts.push_back({"/tmp", "/m" + std::to_string(i), false});
  EXPECT_FALSE(validate_policy(many, &err));
  Policy longname;
  longname.mounts.push_back({"/tmp", "/" + std::string(600, 'x'), false});
  EXPECT_FALSE(validate_policy(longname, &err));
}

}  // namespace
}  // namespace wc::broker
