// OCI config.json parsing (src/oci/bundle.h): the fields webcontainer-runc reads, paths resolved
// against the bundle, and malformed documents refused with the field named.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "oci/bundle.h"

namespace wc::oci {
namespace {

// The shape containerd's `ctr run` writes (trimmed), plus the fields we act on.
const char* kCtrStyle = R"({
  "ociVersion": "1.0.2-dev",
  "process": {
    "terminal": true, "consoleSize": {"height": 40, "width": 120},
    "user": {"uid": 1000, "gid": 100},
    "args": ["/app.wasm", "serve", "--port=8080"],
    "env": ["PATH=/usr/bin", "GREETING=hi there"],
    "cwd": "/srv",
    "capabilities": {"bounding": ["CAP_CHOWN", "CAP_KILL"], "effective": ["CAP_KILL"],
                     "permitted": ["CAP_CHOWN"]},
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 512}],
    "noNewPrivileges": true,
    "oomScoreAdj": -500
  },
  "root": {"path": "rootfs", "readonly": true},
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid"]},
    {"destination": "/data", "type": "bind", "source": "/srv/data", "options": ["rbind", "ro"]}
  ],
  "annotations": {"webcontainer.io/allow-listen": "127.0.0.1:8080", "other": "x"},
  "hooks": {"prestart": [], "poststop": [{"path": "/bin/true"}]},
  "linux": {
    "resources": {"devices": [{"allow": false, "access": "rwm"}],
                  "memory": {"limit": 67108864},
                  "cpu": {"shares": 1024, "quota": 50000, "period": 100000, "cpus": "0-1"}},
    "cgroupsPath": "/default/c1",
    "namespaces": [{"type": "pid"}, {"type": "network", "path": "/var/run/netns/pod"}],
    "devices": [{"path": "/dev/null", "type": "c", "major": 1, "minor": 3}],
    "seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": []},
    "maskedPaths": ["/proc/kcore"]
  }
})";

TEST(OciBundle, ReadsTheFieldsWeActOn) {
  Bundle b;
  std::string err;
  ASSERT_TRUE(parse_config(kCtrStyle, "/run/bundles/c1", &b, &err)) << err;
  EXPECT_EQ(b.dir, "/run/bundles/c1");
  EXPECT_EQ(b.oci_version, "1.0.2-dev");
  EXPECT_EQ(b.root_path, "/run/bundles/c1/rootfs");  // relative to the bundle
  EXPECT_TRUE(b.root_readonly);
  EXPECT_TRUE(b.has_process);
  EXPECT_TRUE(b.terminal);
  EXPECT_EQ(b.console_height, 40u);
  EXPECT_EQ(b.console_width, 120u);
  EXPECT_EQ(b.uid, 1000u);
  EXPECT_EQ(b.gid, 100u);
  EXPECT_EQ(b.args, (std::vector<std::string>{"/app.wasm", "serve", "--port=8080"}));
  EXPECT_EQ(b.env, (std::vector<std::string>{"PATH=/usr/bin", "GREETING=hi there"}));
  EXPECT_EQ(b.cwd, "/srv");
  // The union of every set, each once, in first-seen order.
  EXPECT_EQ(b.capabilities, (std::vector<std::string>{"CAP_CHOWN", "CAP_KILL"}));
  ASSERT_EQ(b.rlimits.size(), 1u);
  EXPECT_EQ(b.rlimits[0].type, "RLIMIT_NOFILE");
  EXPECT_EQ(b.rlimits[0].soft, 512u);
  EXPECT_EQ(b.rlimits[0].hard, 1024u);
  ASSERT_TRUE(b.oom_score_adj.has_value());
  EXPECT_EQ(*b.oom_score_adj, -500);
  ASSERT_EQ(b.mounts.size(), 2u);
  EXPECT_EQ(b.mounts[1].destination, "/data");
  EXPECT_EQ(b.mounts[1].type, "bind");
  EXPECT_EQ(b.mounts[1].source, "/srv/data");
  EXPECT_EQ(b.mounts[1].options, (std::vector<std::string>{"rbind", "ro"}));
  EXPECT_EQ(b.annotations.size(), 2u);
  EXPECT_EQ(b.annotations.at("webcontainer.io/allow-listen"), "127.0.0.1:8080");
  EXPECT_EQ(b.hooks, (std::vector<std::string>{"poststop"}));  // an empty list is no hook
  ASSERT_EQ(b.namespaces.size(), 2u);
  EXPECT_EQ(b.namespaces[1].type, "network");
  EXPECT_EQ(b.namespaces[1].path, "/var/run/netns/pod");
  ASSERT_EQ(b.devices.size(), 1u);
  EXPECT_EQ(b.devices[0].path, "/dev/null");
  EXPECT_EQ(b.devices[0].major, 1);
  EXPECT_EQ(b.devices[0].minor, 3);
  EXPECT_EQ(b.cgroups_path, "/default/c1");
  EXPECT_EQ(b.memory_limit, 67108864);
  EXPECT_EQ(b.cpu_quota, 50000);
  EXPECT_EQ(b.cpu_period, 100000u);
  EXPECT_EQ(b.cpu_shares, 1024u);
  EXPECT_EQ(b.cpuset_cpus, "0-1");
  EXPECT_TRUE(b.has_seccomp);
  EXPECT_EQ(b.seccomp_default_action, "SCMP_ACT_ERRNO");
}

TEST(OciBundle, MinimalDocumentAndDefaults) {
  Bundle b;
  std::string err;
  ASSERT_TRUE(parse_config(R"({"ociVersion":"1.0.0","root":{"path":"/abs/root"}})", "/b", &b, &err))
      << err;
  EXPECT_EQ(b.root_path, "/abs/root");  // absolute stays
  EXPECT_FALSE(b.root_readonly);
  EXPECT_FALSE(b.has_process);
  EXPECT_EQ(b.cwd, "/");
  EXPECT_EQ(b.memory_limit, 0);
  EXPECT_TRUE(b.namespaces.empty());
  // null members count as absent
  ASSERT_TRUE(parse_config(
      R"({"ociVersion":"1.0.0","root":{"path":"r"},"linux":null,"mounts":null,"hooks":null})", "/b",
      &b, &err))
      << err;
}

TEST(OciBundle, RefusesMalformedDocumentsNamingTheField) {
  struct Case {
    const char* json;
    const char* words;
  } cases[] = {
      {"", "not valid JSON"},
      {"[1, 2]", "expected a JSON object"},
      {R"({"root":{"path":"r"}})", "ociVersion: missing"},
      {R"({"ociVersion":1,"root":{"path":"r"}})", "ociVersion: expected a string"},
      {R"({"ociVersion":"1.0.0"})", "root: missing"},
      {R"({"ociVersion":"1.0.0","root":{}})", "root.path: missing"},
      {R"({"ociVersion":"1.0.0","root":{"path":"r","readonly":"yes"}})",
       "root.readonly: expected true or false"},
      {R"({"ociVersion":"1.0.0","root":{"path":"r"},"process":{"args":"/app.wasm"}})",
       "process.args: expected an array"},
      {R"({"ociVersion":"1.0.0","root":{"path":"r"},"process":{"args":["/a", 3]}})",
       "process.args[1]: expected a string"},
      {R"({"ociVersion":"1.0.0","root":{"path":"r"},"process":{"user":{"uid":-1}}})",
       "process.user.uid: expected a non-negative integer"},
      {R"({"ociVersion":"1.0.0","root":{"path":"r"},"process":{"user":{"uid":4294967296}}})",
       "process.user.uid: number out of range"},
      {R"({"ociVersion":"1.0.0","root":{"path":"r"},"process":{"oomScoreAdj":5000}})",
       "process.oomScoreAdj: expected -1000 to 1000"},
      {R"({"ociVersion":"1.0.0","root":{"path":"r"},"process":{"rlimits":[{"type":"RLIMIT_NOFILE","soft":1.5}]}})",
       "process.rlimits[0].soft: expected a non-negative integer"},
      {R"({"ociVersion":"1.0.0","root":{"path":"r"},"mounts":[{"type":"bind"}]})",
       "mounts[0].destination: missing"},
      {R"({"ociVersion":"1.0.0","root":{"path":"r"},"mounts":[7]})",
       "mounts[0]: expected an object"},
      {R"({"ociVersion":"1.0.0","root":{"path":"r"},"annotations":{"a":1}})",
       "annotations.a: expected a string"},
      {R"({"ociVersion":"1.0.0","root":{"path":"r"},"hooks":{"prestart":{}}})",
       "hooks.prestart: expected an array"},
      {R"({"ociVersion":"1.0.0","root":{"path":"r"},"linux":{"namespaces":[{"path":"/x"}]}})",
       "linux.namespaces[0].type: missing"},
      {R"({"ociVersion":"1.0.0","root":{"path":"r"},"linux":{"resources":{"memory":{"limit":"1G"}}}})",
       "linux.resources.memory.limit: expected an integer"},
      {R"({"ociVersion":"1.0.0","root":{"path":"r"},"linux":{"resources":{"memory":{"limit":18446744073709551615}}}})",
       "linux.resources.memory.limit: number out of range"},
      {R"({"ociVersion":"1.0.0","root":{"path":"r"},"linux":{"seccomp":[]}})",
       "linux.seccomp: expected an object"},
      {"{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\\u0000x\"}}", "root.path: contains a NUL"},
  };
  for (const Case& c : cases) {
    Bundle b;
    std::string err;
    EXPECT_FALSE(parse_config(c.json, "/b", &b, &err)) << c.json;
    EXPECT_NE(err.find(c.words), std::string::npos) << "error '" << err << "' for " << c.json;
  }
}

TEST(OciBundle, RefusesAHugeDocument) {
  std::string huge = R"({"ociVersion":"1.0.0","root":{"path":"r"},"annotations":{"a":")" +
                     std::string(5 << 20, 'x') + "\"}}";
  Bundle b;
  std::string err;
  EXPECT_FALSE(parse_config(huge, "/b", &b, &err));
  EXPECT_NE(err.find("larger than 4 MiB"), std::string::npos) << err;
}

TEST(OciBundle, LoadBundleReadsConfigJsonBesideTheRootfs) {
  char tmpl[] = "/tmp/oci-bundle-test.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  {
    std::ofstream out(dir + "/config.json");
    out << R"({"ociVersion":"1.0.2","root":{"path":"rootfs"},"process":{"args":["/a.wasm"]}})";
  }
  Bundle b;
  std::string err;
  ASSERT_TRUE(load_bundle(dir + "//", &b, &err)) << err;
  EXPECT_EQ(b.dir, dir);  // trailing slashes dropped
  EXPECT_EQ(b.root_path, dir + "/rootfs");
  EXPECT_EQ(b.args, std::vector<std::string>{"/a.wasm"});
  std::remove((dir + "/config.json").c_str());
  EXPECT_FALSE(load_bundle(dir, &b, &err));
  EXPECT_NE(err.find(dir + "/config.json"), std::string::npos) << err;
  rmdir(dir.c_str());
}

}  // namespace
}  // namespace wc::oci
