// Bundle -> policy (src/oci/mapping.h): default deny, what each field grants, what is ignored,
// and every refusal of a field that would weaken the sandbox or that we cannot honour.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "oci/bundle.h"
#include "oci/mapping.h"

namespace wc::oci {
namespace {

class OciMapping : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/oci-mapping-test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    mkdir((dir_ + "/rootfs").c_str(), 0755);
    mkdir((dir_ + "/data").c_str(), 0755);
    std::ofstream(dir_ + "/hosts") << "127.0.0.1 localhost\n";
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

  // A minimal valid bundle: the rootfs, /app.wasm, nothing else.
  Bundle base() const {
    Bundle b;
    b.dir = dir_;
    b.oci_version = "1.0.2";
    b.root_path = dir_ + "/rootfs";
    b.has_process = true;
    b.args = {"/app.wasm"};
    return b;
  }
  // plan_container must refuse `b` with an error containing `words`.
  void refused(const Bundle& b, const std::string& words) const {
    Plan p;
    std::string err;
    EXPECT_FALSE(plan_container(b, &p, &err)) << "accepted; expected: " << words;
    EXPECT_NE(err.find(words), std::string::npos) << "error: " << err;
  }
  Plan planned(const Bundle& b) const {
    Plan p;
    std::string err;
    EXPECT_TRUE(plan_container(b, &p, &err)) << err;
    return p;
  }

  std::string dir_;
};

TEST_F(OciMapping, DefaultDenyTheRootfsAsSlashAndTheProcess) {
  Bundle b = base();
  b.root_readonly = true;
  b.args = {"/app.wasm", "serve", "--port", "80"};
  b.env = {"A=1", "B=x=y"};
  Plan p = planned(b);
  ASSERT_EQ(p.policy.mounts.size(), 1u);  // the rootfs only
  EXPECT_EQ(p.policy.mounts[0].host, dir_ + "/rootfs");
  EXPECT_EQ(p.policy.mounts[0].guest, "/");
  EXPECT_TRUE(p.policy.mounts[0].read_only);
  EXPECT_EQ(p.module_in_root, "/app.wasm");
  EXPECT_EQ(p.argv0, "/app.wasm");
  EXPECT_EQ(p.policy.args, (std::vector<std::string>{"serve", "--port", "80"}));
  EXPECT_EQ(p.policy.env, (std::vector<std::string>{"A=1", "B=x=y"}));
  EXPECT_TRUE(p.policy.net.allow_connect.empty());
  EXPECT_TRUE(p.policy.net.allow_listen.empty());
  EXPECT_TRUE(p.policy.net.tcplisten.empty());
  EXPECT_EQ(p.policy.limits.memory_limit, 0u);
  EXPECT_EQ(p.net, NetMode::kHost);
  EXPECT_EQ(p.cpus, 0);

  b.root_readonly = false;
  EXPECT_FALSE(planned(b).policy.mounts[0].read_only);
}

TEST_F(OciMapping, ModulePathRelativeToCwd) {
  Bundle b = base();
  b.cwd = "/srv/./app/";
  b.args = {"bin/app.wasm"};
  Plan p = planned(b);
  EXPECT_EQ(p.module_in_root, "/srv/app/bin/app.wasm");
  EXPECT_EQ(p.argv0, "bin/app.wasm");  // the guest sees what the spec says
  b.args = {"../../etc/app.wasm"};
  refused(b, "a path with '..' is not accepted");
  b.args = {};
  refused(b, "process.args is empty");
  b = base();
  b.has_process = false;
  refused(b, "no process");
  b = base();
  b.cwd = "relative";
  refused(b, "process.cwd");
}

TEST_F(OciMapping, BindMountsBecomeGrants) {
  Bundle b = base();
  b.mounts = {{"/proc", "proc", "proc", {"nosuid"}},
              {"/dev", "tmpfs", "tmpfs", {"mode=755"}},
              {"/dev/pts", "devpts", "devpts", {}},
              {"/sys", "sysfs", "sysfs", {"ro"}},
              {"/run", "tmpfs", "tmpfs", {}},
              {"/data/", "bind", dir_ + "/data", {"rbind", "ro"}},
              {"/rw", "none", dir_ + "/data", {"bind", "rw"}},
              {"/etc/hosts", "bind", dir_ + "/hosts", {"rbind", "ro"}},
              {"/rel", "bind", "data", {"bind"}}};
  Plan p = planned(b);
  ASSERT_EQ(p.policy.mounts.size(), 4u);
  EXPECT_EQ(p.policy.mounts[1].host, dir_ + "/data");
  EXPECT_EQ(p.policy.mounts[1].guest, "/data");  // normalised
  EXPECT_TRUE(p.policy.mounts[1].read_only);
  EXPECT_EQ(p.policy.mounts[2].guest, "/rw");
  EXPECT_FALSE(p.policy.mounts[2].read_only);
  EXPECT_EQ(p.policy.mounts[3].host, dir_ + "/data");  // relative to the bundle
  EXPECT_EQ(p.policy.mounts[3].guest, "/rel");
  // Each ignored mount is noted for the debug log.
  int ignored = 0;
  for (const std::string& n : p.notes) ignored += n.find("ignored") != std::string::npos;
  EXPECT_GE(ignored, 6);
}

TEST_F(OciMapping, MountRefusals) {
  Bundle b = base();
  b.mounts = {{"/scratch", "tmpfs", "tmpfs", {"size=1m"}}};
  refused(b, "not yet implemented: a tmpfs mount");
  b.mounts = {{"/mnt", "nfs", "server:/x", {}}};
  refused(b, "mount type 'nfs' is not supported");
  b.mounts = {{"/config.toml", "bind", dir_ + "/hosts", {"rbind"}}};
  refused(b, "not yet implemented: a bind mount of a single file");
  b.mounts = {{"/data", "bind", dir_ + "/missing", {"rbind"}}};
  refused(b, "No such file or directory");
  b.mounts = {{"/", "bind", dir_ + "/data", {"rbind"}}};
  refused(b, "a bind mount over /");
  b.mounts = {{"/data/../etc", "bind", dir_ + "/data", {"rbind"}}};
  refused(b, "absolute path without '..'");
  b.mounts = {{"data", "bind", dir_ + "/data", {"rbind"}}};
  refused(b, "absolute path without '..'");
  b = base();
  b.root_path = dir_ + "/no-rootfs";
  refused(b, "root.path");
}

TEST_F(OciMapping, ResourcesAndRlimits) {
  Bundle b = base();
  b.memory_limit = 64 << 20;
  b.cpu_quota = 25000;
  b.cpu_period = 100000;
  b.cpu_shares = 512;
  b.rlimits = {{"RLIMIT_NOFILE", 200, 400}, {"RLIMIT_CPU", 30, 60}, {"RLIMIT_NPROC", 5, 5}};
  Plan p = planned(b);
  EXPECT_EQ(p.policy.limits.memory_limit, 64u << 20);
  EXPECT_DOUBLE_EQ(p.cpus, 0.25);
  EXPECT_EQ(p.policy.limits.max_fds, 200u);
  EXPECT_DOUBLE_EQ(p.policy.limits.cpu_time, 30);
  bool shares_noted = false;
  for (const std::string& n : p.notes) shares_noted |= n.find("cpu.shares") != std::string::npos;
  EXPECT_TRUE(shares_noted);

  b.memory_limit = -1;  // "unlimited" in the spec's encoding
  b.cpu_quota = -1;
  b.rlimits = {{"RLIMIT_NOFILE", uint64_t{1} << 40, uint64_t{1} << 40}};
  p = planned(b);
  EXPECT_EQ(p.policy.limits.memory_limit, 0u);
  EXPECT_EQ(p.cpus, 0);
  EXPECT_EQ(p.policy.limits.max_fds, 1u << 20);  // clamped: only ever stricter
  b.cpu_quota = 1;                               // tiny quotas clamp to 1% of a CPU
  b.cpu_period = 0;
  EXPECT_DOUBLE_EQ(planned(b).cpus, 0.01);
  b.rlimits = {{"RLIMIT_NOFILE", 4, 4}};
  refused(b, "needs at least 8");
}

TEST_F(OciMapping, NetworkNamespaces) {
  Bundle b = base();
  b.namespaces = {{"pid", ""}, {"ipc", ""}, {"uts", ""}, {"mount", ""}};
  EXPECT_EQ(planned(b).net, NetMode::kHost);  // ctr run --net-host
  b.namespaces.push_back({"network", ""});
  EXPECT_EQ(planned(b).net, NetMode::kNew);
  b.namespaces.back().path = "/var/run/netns/pod1";
  Plan p = planned(b);
  EXPECT_EQ(p.net, NetMode::kJoin);
  EXPECT_EQ(p.netns_path, "/var/run/netns/pod1");
  b.namespaces.push_back({"network", ""});
  refused(b, "network listed twice");
  b.namespaces = {{"quantum", ""}};
  refused(b, "unknown namespace type 'quantum'");
}

TEST_F(OciMapping, IsolationWeakeningFieldsAreRefused) {
  Bundle b = base();
  b.devices = {{"/dev/null", "c", 1, 3}, {"/dev/urandom", "c", 1, 9}, {"/dev/tty", "c", 5, 0}};
  planned(b);  // the standard nodes are fine
  b.devices.push_back({"/dev/sda", "b", 8, 0});
  refused(b, "linux.devices: /dev/sda");
  b.devices = {{"/dev/null", "c", 8, 0}};  // a standard name on another device
  refused(b, "linux.devices: /dev/null");

  b = base();
  b.capabilities = {"CAP_CHOWN", "CAP_NET_BIND_SERVICE", "CAP_KILL", "CAP_AUDIT_WRITE"};
  planned(b);
  b.capabilities.push_back("CAP_SYS_ADMIN");
  refused(b, "CAP_SYS_ADMIN is a privileged capability");

  b = base();
  b.has_seccomp = true;
  b.seccomp_default_action = "SCMP_ACT_ERRNO";
  planned(b);
  b.seccomp_default_action = "SCMP_ACT_ALLOW";
  refused(b, "allows by default");
  b.seccomp_default_action = "SCMP_ACT_LOG";
  refused(b, "allows by default");
  b.seccomp_default_action = "SCMP_ACT_KILL";
  b.seccomp_listener_path = "/run/agent.sock";
  refused(b, "listenerPath");

  b = base();
  b.hooks = {"createRuntime"};
  refused(b, "not yet implemented: OCI hooks (createRuntime)");
  b = base();
  b.oci_version = "2.0.0";
  refused(b, "only runtime-spec 1.x");
  b = base();
  b.env = {"NOEQUALS"};
  refused(b, "process.env");
}

TEST_F(OciMapping, NetworkAnnotations) {
  Bundle b = base();
  b.annotations = {{"webcontainer.io/allow-connect", "127.0.0.1:80, 10.0.0.0/8:443,"},
                   {"webcontainer.io/allow-listen", "0.0.0.0:8080"},
                   {"webcontainer.io/tcplisten", "127.0.0.1:9000,[::1]:9001"},
                   {"io.kubernetes.cri.container-type", "container"}};
  Plan p = planned(b);
  ASSERT_EQ(p.policy.net.allow_connect.size(), 2u);
  EXPECT_EQ(p.policy.net.allow_connect[0].spec, "127.0.0.1:80");
  EXPECT_EQ(p.policy.net.allow_connect[1].prefix, 8);
  ASSERT_EQ(p.policy.net.allow_listen.size(), 1u);
  EXPECT_EQ(p.policy.net.allow_listen[0].port_lo, 8080);
  EXPECT_EQ(p.policy.net.tcplisten, (std::vector<std::string>{"127.0.0.1:9000", "[::1]:9001"}));

  b.annotations = {{"webcontainer.io/allow-connect", "127.0.0.1:99999"}};
  refused(b, "annotation webcontainer.io/allow-connect");
  b.annotations = {{"webcontainer.io/tcplisten", "localhost:80"}};
  refused(b, "annotation webcontainer.io/tcplisten");
  b.annotations = {{"webcontainer.io/allow-everything", "true"}};
  refused(b, "unknown annotation webcontainer.io/allow-everything");
}

TEST_F(OciMapping, PolicyAnnotation) {
  Bundle b = base();
  b.memory_limit = 64 << 20;
  b.env = {"FROM_SPEC=1"};
  b.annotations = {{"webcontainer.io/policy",
                    "env = [\"FROM_POLICY=1\"]\n"
                    "args = [\"--extra\"]\n"
                    "allow_connect = [\"127.0.0.1:5432\"]\n"
                    "memory_limit = \"1G\"\n"
                    "timeout = 30\n"}};
  b.args = {"/app.wasm", "first"};
  Plan p = planned(b);
  EXPECT_EQ(p.policy.env, (std::vector<std::string>{"FROM_SPEC=1", "FROM_POLICY=1"}));
  EXPECT_EQ(p.policy.args, (std::vector<std::string>{"first", "--extra"}));
  ASSERT_EQ(p.policy.net.allow_connect.size(), 1u);
  EXPECT_EQ(p.policy.limits.memory_limit, 64u << 20);  // the stricter one
  EXPECT_DOUBLE_EQ(p.policy.limits.timeout, 30);

  b.annotations = {{"webcontainer.io/policy", "memory_limit = \"16M\""}};
  EXPECT_EQ(planned(b).policy.limits.memory_limit, 16u << 20);  // stricter than the spec's
  for (const char* grant :
       {"dir = [\"/etc\"]", "dir_ro = [\"/\"]", "[[mount]]\nhost = \"/root\"\nguest = \"/r\"\n"}) {
    b.annotations = {{"webcontainer.io/policy", grant}};
    refused(b, "grants a directory");
  }
  b.annotations = {{"webcontainer.io/policy", "allow_everything = true"}};
  refused(b, "annotation webcontainer.io/policy");
}

TEST(OciMappingHelpers, SplitListAndNormalize) {
  EXPECT_EQ(split_list(" a, b ,,c\t"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(split_list("").empty());
  EXPECT_TRUE(split_list(" , ").empty());
  std::string out;
  ASSERT_TRUE(normalize_absolute("/a/./b//c/", &out));
  EXPECT_EQ(out, "/a/b/c");
  ASSERT_TRUE(normalize_absolute("///", &out));
  EXPECT_EQ(out, "/");
  ASSERT_TRUE(normalize_absolute("/a..b/..c", &out));  // not ".." components
  EXPECT_EQ(out, "/a..b/..c");
  EXPECT_FALSE(normalize_absolute("a/b", &out));
  EXPECT_FALSE(normalize_absolute("", &out));
  EXPECT_FALSE(normalize_absolute("/a/../b", &out));
  EXPECT_FALSE(normalize_absolute("/..", &out));
}

}  // namespace
}  // namespace wc::oci
