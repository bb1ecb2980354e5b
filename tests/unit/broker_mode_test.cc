// Permission and ownership changes through the broker (set_mode / fd_set_mode / set_owner /
// fd_set_owner: Go js/wasm's fs.chmod, fchmod, chown, fchown, lchown), attacked through
// DirectBrokerClient (same codec and handler as over IPC): escapes by '..', absolute paths and
// symlinks; read-only mounts; fds from the wrong place; bad mode bits; set-id bits; giving
// files away; and malformed requests straight into the session.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "broker/direct_client.h"
#include "broker_test_util.h"

namespace wc::broker {
namespace {

using wc::testing::read_file;
using wc::testing::write_file;

constexpr uint32_t kSame = ipc::kOwnerUnchanged;

class BrokerMode : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(mkdir((t / "mnt").c_str(), 0755), 0);
    ASSERT_EQ(mkdir((t / "mnt/a").c_str(), 0755), 0);
    write_file(t / "mnt/a/file", "inside");
    ASSERT_EQ(mkdir((t / "ro").c_str(), 0755), 0);
    write_file(t / "ro/readonly.txt", "original");
    ASSERT_EQ(mkdir((t / "outside").c_str(), 0755), 0);
    write_file(t / "outside/secret", "SECRET");
    ASSERT_EQ(chmod((t / "outside/secret").c_str(), 0644), 0);  // whatever the umask
    ASSERT_EQ(chmod((t / "mnt/a/file").c_str(), 0644), 0);
    ASSERT_EQ(chmod((t / "ro/readonly.txt").c_str(), 0644), 0);
    policy.mounts = {{t / "mnt", "/data", false}, {t / "ro", "/ro", true}};
    std::string err;
    ipc::UniqueFd log(
        open((t / "audit.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
    ASSERT_TRUE(log);
    audit = std::make_unique<AuditLog>(std::move(log));
    audit->set_hint_sink([this](const std::string& h) { hints.push_back(h); });
    client = DirectBrokerClient::create(policy, &err, audit.get());
    ASSERT_TRUE(client) << err;
  }

  uint32_t mode_of(const std::string& rel) {
    struct stat st;
    return lstat((t / rel).c_str(), &st) == 0 ? st.st_mode & 07777 : 0xdead;
  }

  // The audit log's lines, parsed.
  std::vector<nlohmann::json> audit_lines() {
    std::vector<nlohmann::json> out;
    std::string text = read_file(t / "audit.log");
    size_t at = 0;
    for (size_t nl; (nl = text.find('\n', at)) != std::string::npos; at = nl + 1) {
      out.push_back(nlohmann::json::parse(text.substr(at, nl - at)));
    }
    return out;
  }

  wc::testing::TempDir t;
  Policy policy;
  std::unique_ptr<AuditLog> audit;
  std::vector<std::string> hints;
  std::unique_ptr<DirectBrokerClient> client;
  static constexpr host::DirHandle kData = 0, kRo = 1;
};

TEST_F(BrokerMode, ChmodInsideAWritableMount) {
  EXPECT_EQ(client->set_mode(kData, "a/file", 0600, true), 0);
  EXPECT_EQ(mode_of("mnt/a/file"), 0600u);
  struct stat st;
  ASSERT_EQ(client->stat(kData, "a/file", true, &st), 0);  // the guest sees it too
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(client->set_mode(kData, "a", 01750, true), 0);  // sticky: allowed
  EXPECT_EQ(mode_of("mnt/a"), 01750u);
  EXPECT_EQ(client->set_mode(kData, ".", 0700, true), 0);  // the mount's own directory
  EXPECT_EQ(mode_of("mnt"), 0700u);
  // A file without any permission can still be chmod'ed: nothing is opened for reading.
  ASSERT_EQ(chmod((t / "mnt/a/file").c_str(), 0), 0);
  EXPECT_EQ(client->set_mode(kData, "a/file", 0640, false), 0);
  EXPECT_EQ(mode_of("mnt/a/file"), 0640u);
  EXPECT_EQ(client->set_mode(kData, "a/missing", 0600, true), -ENOENT);
  EXPECT_EQ(client->set_mode(kData, "", 0600, true), -ENOENT);
  EXPECT_EQ(client->set_mode(99, "a/file", 0600, true), -EBADF);
  EXPECT_TRUE(audit_lines().empty());
}

TEST_F(BrokerMode, SymlinksInsideAreFollowedOrRefusedAsLchmod) {
  ASSERT_EQ(symlink("a/file", (t / "mnt/l").c_str()), 0);
  EXPECT_EQ(client->set_mode(kData, "l", 0604, true), 0);
  EXPECT_EQ(mode_of("mnt/a/file"), 0604u);
  // No-follow names the link, and a Linux symlink has no mode of its own to change.
  EXPECT_EQ(client->set_mode(kData, "l", 0600, false), -EOPNOTSUPP);
  EXPECT_EQ(mode_of("mnt/a/file"), 0604u);
}

TEST_F(BrokerMode, ReadOnlyMountIsDeniedAndAudited) {
  EXPECT_EQ(client->set_mode(kRo, "readonly.txt", 0600, true), -EROFS);
  EXPECT_EQ(client->set_mode(kRo, "readonly.txt", 0600, false), -EROFS);
  EXPECT_EQ(client->set_mode(kRo, ".", 0777, true), -EROFS);
  EXPECT_EQ(client->set_owner(kRo, "readonly.txt", kSame, kSame, true), -EROFS);
  EXPECT_EQ(client->set_owner(kRo, "readonly.txt", kSame, kSame, false), -EROFS);
  EXPECT_EQ(mode_of("ro/readonly.txt"), 0644u);
  EXPECT_EQ(mode_of("ro"), 0755u);

  std::vector<nlohmann::json> lines = audit_lines();
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0]["op"], "set_mode");
  EXPECT_EQ(lines[0]["target"], "/ro/readonly.txt");
  EXPECT_EQ(lines[0]["errno"], "EROFS");
  EXPECT_NE(lines[0]["rule"].get<std::string>().find("read-only mount --dir-ro"),
            std::string::npos);
  EXPECT_EQ(lines[3]["op"], "set_owner");
  ASSERT_EQ(hints.size(), 1u);  // the same hint as every other write to this mount
  EXPECT_NE(hints[0].find("--dir " + t / "ro::/ro"), std::string::npos) << hints[0];
}

TEST_F(BrokerMode, SymlinksOutOfTheMountAreNotFollowed) {
  ASSERT_EQ(symlink("../outside/secret", (t / "mnt/rel").c_str()), 0);
  ASSERT_EQ(symlink((t / "outside/secret").c_str(), (t / "mnt/abs").c_str()), 0);
  ASSERT_EQ(symlink("../../outside", (t / "mnt/a/dirlink").c_str()), 0);
  for (const char* p : {"rel", "abs", "a/dirlink/secret", "a/dirlink/../outside/secret"}) {
    EXPECT_EQ(client->set_mode(kData, p, 0777, true), -EPERM) << p;
    EXPECT_EQ(client->set_owner(kData, p, kSame, kSame, true), -EPERM) << p;
  }
  // Through a symlinked parent directory, even without following the final component.
  EXPECT_EQ(client->set_mode(kData, "a/dirlink/secret", 0777, false), -EPERM);
  EXPECT_EQ(client->set_owner(kData, "a/dirlink/secret", kSame, kSame, false), -EPERM);
  // The links themselves are inside: lchown of one is fine, lchmod is Linux's EOPNOTSUPP.
  EXPECT_EQ(client->set_owner(kData, "abs", kSame, kSame, false), 0);
  EXPECT_EQ(client->set_mode(kData, "abs", 0777, false), -EOPNOTSUPP);
  EXPECT_EQ(mode_of("outside/secret"), 0644u);
  EXPECT_EQ(mode_of("outside"), 0755u);
  std::vector<nlohmann::json> lines = audit_lines();
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0]["op"], "set_mode");
  EXPECT_EQ(lines[0]["errno"], "EPERM");
  EXPECT_NE(lines[0]["rule"].get<std::string>().find("escapes"), std::string::npos);
}

TEST_F(BrokerMode, DotDotAndAbsolutePathsAreRefused) {
  std::string abs = t / "mnt/a/file";  // even one that names a file inside the mount
  for (const std::string& p :
       {std::string(".."), std::string("../outside/secret"), std::string("a/../../outside/secret"),
        std::string("/etc/passwd"), abs, t / "outside/secret"}) {
    for (bool follow : {true, false}) {
      EXPECT_EQ(client->set_mode(kData, p, 0777, follow), -EPERM) << p;
      EXPECT_EQ(client->set_owner(kData, p, kSame, kSame, follow), -EPERM) << p;
    }
  }
  EXPECT_EQ(mode_of("outside/secret"), 0644u);
  EXPECT_EQ(mode_of("mnt/a/file"), 0644u);
  EXPECT_EQ(mode_of("mnt"), 0755u);
  EXPECT_EQ(mode_of(""), 0700u);  // mkdtemp's, untouched
}

TEST_F(BrokerMode, BadModeBitsAreEinval) {
  host::Opened o;
  ASSERT_EQ(client->open(kData, "a/file", O_RDWR, 0, &o), 0);
  for (uint32_t bad : {010000u, 0100644u, 0xffffffffu, 1u << 31}) {
    EXPECT_EQ(client->set_mode(kData, "a/file", bad, true), -EINVAL) << bad;
    EXPECT_EQ(client->fd_set_mode(o.fd, bad), -EINVAL) << bad;
  }
  EXPECT_EQ(client->set_mode(kData, std::string_view("a\0b", 3), 0600, true), -EINVAL);
  close(o.fd);
  EXPECT_EQ(mode_of("mnt/a/file"), 0644u);
  // The session is still in step: nothing broke the channel.
  EXPECT_EQ(client->set_mode(kData, "a/file", 0600, true), 0);
}

TEST_F(BrokerMode, SetIdBitsAreDeniedAndAudited) {
  host::Opened o;
  ASSERT_EQ(client->open(kData, "a/file", O_RDWR, 0, &o), 0);
  for (uint32_t m : {04755u, 02755u, 06777u}) {
    EXPECT_EQ(client->set_mode(kData, "a/file", m, true), -EPERM) << m;
    EXPECT_EQ(client->fd_set_mode(o.fd, m), -EPERM) << m;
  }
  EXPECT_EQ(client->set_mode(kData, "a", 02755, true), -EPERM);  // directories too
  close(o.fd);
  EXPECT_EQ(mode_of("mnt/a/file"), 0644u);
  EXPECT_EQ(mode_of("mnt/a"), 0755u);
  std::vector<nlohmann::json> lines = audit_lines();
  ASSERT_EQ(lines.size(), 7u);
  EXPECT_EQ(lines[0]["target"], "/data/a/file");
  EXPECT_EQ(lines[1]["op"], "fd_set_mode");
  EXPECT_EQ(lines[1]["target"], "fd");
  EXPECT_NE(lines[0]["rule"].get<std::string>().find("setuid"), std::string::npos);
  EXPECT_EQ(hints.size(), 1u);
}

TEST_F(BrokerMode, FdSetModeOnlyOnFilesFromWritableMounts) {
  host::Opened o;
  ASSERT_EQ(client->open(kRo, "readonly.txt", O_RDONLY, 0, &o), 0);
  EXPECT_EQ(client->fd_set_mode(o.fd, 0600), -EPERM);
  EXPECT_EQ(client->fd_set_owner(o.fd, kSame, kSame), -EPERM);
  close(o.fd);
  std::vector<host::Preopen> pre = client->preopens();
  ASSERT_EQ(pre.size(), 2u);
  EXPECT_EQ(client->fd_set_mode(pre[1].fd, 0777), -EPERM);  // the read-only preopen itself
  EXPECT_EQ(client->fd_set_mode(pre[0].fd, 0711), 0);       // the writable one
  EXPECT_EQ(mode_of("mnt"), 0711u);
  for (auto& p : pre) close(p.fd);
  EXPECT_EQ(mode_of("ro/readonly.txt"), 0644u);
  EXPECT_EQ(mode_of("ro"), 0755u);

  // From the writable mount, even opened read-only: the mode is metadata, as for times.
  ASSERT_EQ(client->open(kData, "a/file", O_RDONLY, 0, &o), 0);
  EXPECT_EQ(client->fd_set_mode(o.fd, 0400), 0);
  EXPECT_EQ(mode_of("mnt/a/file"), 0400u);
  EXPECT_EQ(client->fd_set_owner(o.fd, kSame, kSame), 0);
  close(o.fd);

  // An fd the broker never handed out is refused.
  int outside = open((t / "outside/secret").c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(outside, 0);
  EXPECT_EQ(client->fd_set_mode(outside, 0777), -EPERM);
  EXPECT_EQ(client->fd_set_owner(outside, kSame, kSame), -EPERM);
  close(outside);
  EXPECT_EQ(mode_of("outside/secret"), 0644u);
  EXPECT_EQ(client->fd_set_mode(-1, 0600), -EBADF);
  EXPECT_EQ(client->fd_set_owner(-1, kSame, kSame), -EBADF);

  std::vector<nlohmann::json> lines = audit_lines();
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0]["op"], "fd_set_mode");
  EXPECT_EQ(lines[1]["op"], "fd_set_owner");
  EXPECT_NE(lines[0]["rule"].get<std::string>().find("writable mount"), std::string::npos);
}

TEST_F(BrokerMode, OwnershipNeverChangesHands) {
  struct stat st;
  ASSERT_EQ(stat((t / "mnt/a/file").c_str(), &st), 0);
  // No-ops succeed, by path, by link and by fd.
  EXPECT_EQ(client->set_owner(kData, "a/file", kSame, kSame, true), 0);
  EXPECT_EQ(client->set_owner(kData, "a/file", st.st_uid, st.st_gid, true), 0);
  ASSERT_EQ(symlink("a/file", (t / "mnt/l").c_str()), 0);
  EXPECT_EQ(client->set_owner(kData, "l", kSame, kSame, false), 0);
  host::Opened o;
  ASSERT_EQ(client->open(kData, "a/file", O_RDWR, 0, &o), 0);
  EXPECT_EQ(client->fd_set_owner(o.fd, st.st_uid, kSame), 0);
  // Another owner, or a group the broker is not in, is refused whatever the broker's
  // privileges (this test may well run as root, where the kernel would allow it).
  uint32_t other_uid = st.st_uid + 4242, other_gid = 54321;
  ASSERT_NE(other_gid, getegid());
  EXPECT_EQ(client->set_owner(kData, "a/file", other_uid, kSame, true), -EPERM);
  EXPECT_EQ(client->set_owner(kData, "l", other_uid, kSame, false), -EPERM);
  EXPECT_EQ(client->set_owner(kData, "a/file", kSame, other_gid, true), -EPERM);
  EXPECT_EQ(client->fd_set_owner(o.fd, other_uid, kSame), -EPERM);
  EXPECT_EQ(client->fd_set_owner(o.fd, kSame, other_gid), -EPERM);
  struct stat now;
  ASSERT_EQ(stat((t / "mnt/a/file").c_str(), &now), 0);
  EXPECT_EQ(now.st_uid, st.st_uid);
  EXPECT_EQ(now.st_gid, st.st_gid);
  std::vector<nlohmann::json> lines = audit_lines();
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0]["op"], "set_owner");
  EXPECT_EQ(lines[3]["op"], "fd_set_owner");

  // Back to one of the broker's own groups: allowed (needs root to set up another group).
  if (geteuid() == 0 && st.st_uid == 0) {
    ASSERT_EQ(chown((t / "mnt/a/file").c_str(), kSame, other_gid), 0);
    EXPECT_EQ(client->fd_set_owner(o.fd, kSame, getegid()), 0);
    ASSERT_EQ(chown((t / "mnt/a/file").c_str(), kSame, other_gid), 0);
    EXPECT_EQ(client->set_owner(kData, "l", kSame, getegid(), true), 0);
    ASSERT_EQ(stat((t / "mnt/a/file").c_str(), &now), 0);
    EXPECT_EQ(now.st_gid, getegid());
  }
  close(o.fd);
}

// Requests a correct client never sends, straight into the session: a protocol violation
// (nullopt, the worker is killed), never a crash and never a change.
TEST_F(BrokerMode, MalformedRequestsAreProtocolViolations) {
  Session& s = client->session();
  auto send = [&](ipc::Request r) {
    r.id = s.expected_id();
    return s.handle(ipc::encode_request(std::move(r)));
  };
  ipc::Request bad_mode;
  bad_mode.kind = ipc::Kind::kSetMode;
  bad_mode.path = "a/file";
  bad_mode.mode = 010644;
  EXPECT_FALSE(send(std::move(bad_mode)));

  ipc::Request fd_mode;
  fd_mode.kind = ipc::Kind::kFdSetMode;
  fd_mode.mode = 0777;  // no fd attached
  EXPECT_FALSE(send(std::move(fd_mode)));

  ipc::Request owner_with_fd;
  owner_with_fd.kind = ipc::Kind::kSetOwner;
  owner_with_fd.path = "a/file";
  owner_with_fd.fd = ipc::UniqueFd(open((t / "outside/secret").c_str(), O_RDONLY | O_CLOEXEC));
  EXPECT_FALSE(send(std::move(owner_with_fd)));

  ipc::Request fd_bad;
  fd_bad.kind = ipc::Kind::kFdSetMode;
  fd_bad.mode = 0100777;
  fd_bad.fd = ipc::UniqueFd(open((t / "mnt/a/file").c_str(), O_RDONLY | O_CLOEXEC));
  EXPECT_FALSE(send(std::move(fd_bad)));
  EXPECT_EQ(mode_of("mnt/a/file"), 0644u);
  EXPECT_EQ(mode_of("outside/secret"), 0644u);
}

}  // namespace
}  // namespace wc::broker
