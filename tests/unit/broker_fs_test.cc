// The broker's filesystem operations, attacked through DirectBrokerClient (same codec and
// handler as over IPC): escapes by '..', absolute paths, symlinks and magic links; writes to
// read-only mounts; odd path bytes; the directory-handle table; fd metadata changes.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "broker/direct_client.h"
#include "broker_test_util.h"

namespace wc::broker {
namespace {

using wc::testing::exists;
using wc::testing::read_file;
using wc::testing::write_file;

class BrokerFs : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(mkdir((t / "mnt").c_str(), 0755), 0);
    ASSERT_EQ(mkdir((t / "mnt/a").c_str(), 0755), 0);
    ASSERT_EQ(mkdir((t / "mnt/a/b").c_str(), 0755), 0);
    write_file(t / "mnt/a/b/file", "inside");
    ASSERT_EQ(mkdir((t / "ro").c_str(), 0755), 0);
    write_file(t / "ro/readonly.txt", "original");
    ASSERT_EQ(mkdir((t / "outside").c_str(), 0755), 0);
    write_file(t / "outside/secret", "SECRET");
    policy.mounts = {{t / "mnt", "/data", false}, {t / "ro", "/ro", true}};
    audit.set_hint_sink([this](const std::string& h) { hints.push_back(h); });
    std::string err;
    client = DirectBrokerClient::create(policy, &err, &audit);
    ASSERT_TRUE(client) << err;
  }

  // Opens, reads everything, closes. Returns the result; *content gets the data.
  int open_read(host::DirHandle dir, std::string_view path, std::string* content = nullptr,
                int flags = O_RDONLY) {
    host::Opened o;
    int r = client->open(dir, path, flags, 0644, &o);
    if (r == 0) {
      if (content != nullptr) *content = wc::testing::read_fd(o.fd);
      close(o.fd);
      if (o.is_directory) client->close_dir(o.dir);
    }
    return r;
  }

  wc::testing::TempDir t;
  Policy policy;
  AuditLog audit;
  std::vector<std::string> hints;
  std::unique_ptr<DirectBrokerClient> client;
  static constexpr host::DirHandle kData = 0, kRo = 1;
};

TEST_F(BrokerFs, PreopensAreHandlesInPolicyOrder) {
  std::vector<host::Preopen> pre = client->preopens();
  ASSERT_EQ(pre.size(), 2u);
  EXPECT_EQ(pre[0].guest_path, "/data");
  EXPECT_EQ(pre[0].dir, 0u);
  EXPECT_FALSE(pre[0].read_only);
  EXPECT_EQ(pre[1].guest_path, "/ro");
  EXPECT_EQ(pre[1].dir, 1u);
  EXPECT_TRUE(pre[1].read_only);
  for (const host::Preopen& p : pre) {
    struct stat st;
    ASSERT_EQ(fstat(p.fd, &st), 0);
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    EXPECT_EQ(fcntl(p.fd, F_GETFL) & O_ACCMODE, O_RDONLY);
    close(p.fd);
  }
}

TEST_F(BrokerFs, PathsInsideTheMountWork) {
  std::string s;
  EXPECT_EQ(open_read(kData, "a/b/file", &s), 0);
  EXPECT_EQ(s, "inside");
  EXPECT_EQ(open_read(kData, "a/../a/b/./file", &s), 0);
  EXPECT_EQ(s, "inside");
  EXPECT_EQ(open_read(kData, "./a//b/file", &s), 0);
  EXPECT_EQ(open_read(kData, "a/b/missing"), -ENOENT);
  EXPECT_EQ(open_read(kData, ""), -ENOENT);
}

TEST_F(BrokerFs, DotDotAboveTheMountIsDenied) {
  for (const char* p : {"..", "../outside/secret", "a/../../outside/secret",
                        "a/b/../../../outside/secret", "../mnt/a/b/file"}) {
    EXPECT_EQ(open_read(kData, p), -EPERM) << p;
    struct stat st;
    EXPECT_EQ(client->stat(kData, p, true, &st), -EPERM) << p;
  }
  EXPECT_EQ(client->mkdir(kData, "../outside/new", 0755), -EPERM);
  EXPECT_EQ(client->unlink(kData, "../outside/secret"), -EPERM);
  EXPECT_EQ(client->rename(kData, "a/b/file", kData, "../outside/moved"), -EPERM);
  EXPECT_EQ(client->symlink("x", kData, "../outside/link"), -EPERM);
  EXPECT_TRUE(exists(t / "outside/secret"));
  EXPECT_FALSE(exists(t / "outside/new"));
  EXPECT_FALSE(exists(t / "outside/moved"));
  EXPECT_TRUE(exists(t / "mnt/a/b/file"));
}

TEST_F(BrokerFs, AbsolutePathsAreDenied) {
  std::string abs = t / "mnt/a/b/file";  // even one that names a file inside the mount
  EXPECT_EQ(open_read(kData, "/etc/passwd"), -EPERM);
  EXPECT_EQ(open_read(kData, abs), -EPERM);
  struct stat st;
  EXPECT_EQ(client->stat(kData, "/", false, &st), -EPERM);
  EXPECT_EQ(client->mkdir(kData, "/tmp/x", 0755), -EPERM);
  EXPECT_EQ(client->unlink(kData, abs), -EPERM);
  EXPECT_EQ(client->rmdir(kData, "/"), -EPERM);
  EXPECT_TRUE(exists(abs));
}

TEST_F(BrokerFs, SymlinksOutOfTheMountAreDenied) {
  ASSERT_EQ(symlink("../outside/secret", (t / "mnt/rel").c_str()), 0);
  ASSERT_EQ(symlink((t / "outside/secret").c_str(), (t / "mnt/abs").c_str()), 0);
  ASSERT_EQ(symlink("../../outside", (t / "mnt/a/dirlink").c_str()), 0);
  ASSERT_EQ(symlink("b/file", (t / "mnt/a/good").c_str()), 0);
  for (const char* p : {"rel", "abs", "a/dirlink/secret", "a/dirlink/"}) {
    EXPECT_EQ(open_read(kData, p), -EPERM) << p;
    struct stat st;
    EXPECT_EQ(client->stat(kData, p, true, &st), -EPERM) << p;
  }
  struct stat st;
  EXPECT_EQ(client->stat(kData, "abs", false, &st), 0);  // the link itself is inside
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  // Mutations through a symlinked parent directory are resolved beneath too.
  EXPECT_EQ(client->mkdir(kData, "a/dirlink/new", 0755), -EPERM);
  EXPECT_EQ(client->unlink(kData, "a/dirlink/secret"), -EPERM);
  EXPECT_EQ(client->link(kData, "abs", kData, "copy", true), -EPERM);
  timespec now[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
  EXPECT_EQ(client->set_times(kData, "abs", now, true), -EPERM);
  EXPECT_TRUE(exists(t / "outside/secret"));
  EXPECT_FALSE(exists(t / "outside/new"));
  std::string s;
  EXPECT_EQ(open_read(kData, "a/good", &s), 0);  // relative, stays beneath
  EXPECT_EQ(s, "inside");
  EXPECT_EQ(read_file(t / "outside/secret"), "SECRET");
}

TEST_F(BrokerFs, SymlinksCreatedThroughTheBroker) {
  EXPECT_EQ(client->symlink("a/b/file", kData, "ok"), 0);
  std::string s;
  EXPECT_EQ(open_read(kData, "ok", &s), 0);
  EXPECT_EQ(s, "inside");
  std::string target;
  EXPECT_EQ(client->readlink(kData, "ok", &target), 0);
  EXPECT_EQ(target, "a/b/file");
  // A relative link that climbs out can be created but never followed.
  EXPECT_EQ(client->symlink("../outside/secret", kData, "climb"), 0);
  EXPECT_EQ(open_read(kData, "climb"), -EPERM);
  EXPECT_EQ(client->symlink("../../outside", kData, "a/up"), 0);
  EXPECT_EQ(open_read(kData, "a/up/secret"), -EPERM);
  // Absolute targets are refused outright: the host's own tools would follow them.
  EXPECT_EQ(client->symlink("/etc/passwd", kData, "abs"), -EPERM);
  EXPECT_FALSE(exists(t / "mnt/abs"));
  EXPECT_EQ(client->symlink("", kData, "empty"), -ENOENT);
  EXPECT_EQ(client->readlink(kData, "a/b/file", &target), -EINVAL);
}

TEST_F(BrokerFs, SymlinkLoopsAndDepth) {
  ASSERT_EQ(symlink("loop2", (t / "mnt/loop1").c_str()), 0);
  ASSERT_EQ(symlink("loop1", (t / "mnt/loop2").c_str()), 0);
  EXPECT_EQ(open_read(kData, "loop1"), -ELOOP);
  struct stat st;
  EXPECT_EQ(client->stat(kData, "loop1/x", false, &st), -ELOOP);
  // A chain longer than the kernel's 40 links.
  ASSERT_EQ(symlink("a/b/file", (t / "mnt/c0").c_str()), 0);
  for (int i = 1; i <= 45; i++) {
    std::string from = "c" + std::to_string(i - 1), at = t / ("mnt/c" + std::to_string(i));
    ASSERT_EQ(symlink(from.c_str(), at.c_str()), 0);
  }
  EXPECT_EQ(open_read(kData, "c30"), 0);
  EXPECT_EQ(open_read(kData, "c45"), -ELOOP);
  // O_NOFOLLOW on a final symlink.
  EXPECT_EQ(open_read(kData, "c0", nullptr, O_RDONLY | O_NOFOLLOW), -ELOOP);
}

TEST_F(BrokerFs, MagicLinksAreDenied) {
  // A symlink to /proc/self/root is absolute: refused before /proc is even reached.
  ASSERT_EQ(symlink("/proc/self/root", (t / "mnt/proc_root").c_str()), 0);
  EXPECT_EQ(open_read(kData, "proc_root/etc/passwd"), -EPERM);
  EXPECT_EQ(open_read(kData, "proc_root"), -EPERM);

  // A mount that contains magic links itself: RESOLVE_NO_MAGICLINKS refuses to cross them.
  Policy p;
  p.mounts = {{"/proc/self", "/self", true}};
  std::string err;
  auto c = DirectBrokerClient::create(p, &err);
  ASSERT_TRUE(c) << err;
  for (const char* path : {"root/etc/passwd", "root", "cwd", "exe", "fd/0"}) {
    host::Opened o;
    EXPECT_EQ(c->open(0, path, O_RDONLY, 0, &o), -ELOOP) << path;
  }
  host::Opened o;
  EXPECT_EQ(c->open(0, "status", O_RDONLY, 0, &o), 0);  // ordinary files still open
  close(o.fd);
}

TEST_F(BrokerFs, ReadOnlyMountRefusesWriteFlags) {
  for (int flags : {O_WRONLY, O_RDWR, O_RDONLY | O_CREAT, O_RDONLY | O_TRUNC, O_WRONLY | O_TRUNC,
                    O_RDONLY | O_APPEND, O_WRONLY | O_CREAT | O_EXCL}) {
    EXPECT_EQ(open_read(kRo, "readonly.txt", nullptr, flags), -EROFS) << flags;
    EXPECT_EQ(open_read(kRo, "new.txt", nullptr, flags), -EROFS) << flags;
  }
  EXPECT_EQ(read_file(t / "ro/readonly.txt"), "original");
  EXPECT_FALSE(exists(t / "ro/new.txt"));
  host::Opened o;
  ASSERT_EQ(client->open(kRo, "readonly.txt", O_RDONLY, 0, &o), 0);
  EXPECT_TRUE(o.read_only);
  EXPECT_EQ(fcntl(o.fd, F_GETFL) & O_ACCMODE, O_RDONLY);
  close(o.fd);
  // Directories opened from it stay read-only.
  ASSERT_EQ(mkdir((t / "ro/sub").c_str(), 0755), 0);
  ASSERT_EQ(client->open(kRo, "sub", O_RDONLY | O_DIRECTORY, 0, &o), 0);
  EXPECT_TRUE(o.is_directory);
  EXPECT_TRUE(o.read_only);
  EXPECT_EQ(open_read(o.dir, "x", nullptr, O_WRONLY | O_CREAT), -EROFS);
  EXPECT_EQ(client->mkdir(o.dir, "y", 0755), -EROFS);
  close(o.fd);
}

TEST_F(BrokerFs, ReadOnlyMountRefusesEveryMutation) {
  timespec old[2] = {{1000, 0}, {1000, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, (t / "ro/readonly.txt").c_str(), old, 0), 0);
  timespec now[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
  EXPECT_EQ(client->mkdir(kRo, "d", 0755), -EROFS);
  EXPECT_EQ(client->unlink(kRo, "readonly.txt"), -EROFS);
  EXPECT_EQ(client->rmdir(kRo, "readonly.txt"), -EROFS);
  EXPECT_EQ(client->symlink("readonly.txt", kRo, "l"), -EROFS);
  EXPECT_EQ(client->set_times(kRo, "readonly.txt", now, true), -EROFS);
  EXPECT_EQ(client->rename(kRo, "readonly.txt", kRo, "moved"), -EROFS);
  // Into or out of a read-only mount.
  EXPECT_EQ(client->rename(kRo, "readonly.txt", kData, "stolen"), -EROFS);
  EXPECT_EQ(client->link(kRo, "readonly.txt", kData, "stolen", false), -EROFS);
  EXPECT_EQ(client->link(kRo, "readonly.txt", kData, "stolen", true), -EROFS);
  EXPECT_EQ(client->rename(kData, "a/b/file", kRo, "planted"), -EROFS);
  EXPECT_EQ(client->link(kData, "a/b/file", kRo, "planted", false), -EROFS);
  EXPECT_FALSE(exists(t / "mnt/stolen"));
  EXPECT_FALSE(exists(t / "ro/planted"));
  EXPECT_TRUE(exists(t / "mnt/a/b/file"));
  EXPECT_EQ(read_file(t / "ro/readonly.txt"), "original");

  // Metadata through an fd opened from the read-only mount.
  host::Opened o;
  ASSERT_EQ(client->open(kRo, "readonly.txt", O_RDONLY, 0, &o), 0);
  EXPECT_EQ(client->fd_set_times(o.fd, now), -EPERM);
  EXPECT_EQ(client->fd_set_size(o.fd, 0), -EPERM);
  close(o.fd);
  std::vector<host::Preopen> pre = client->preopens();
  EXPECT_EQ(client->fd_set_times(pre[1].fd, now), -EPERM);  // the read-only preopen itself
  for (auto& p : pre) close(p.fd);
  struct stat st;
  ASSERT_EQ(stat((t / "ro/readonly.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 1000);
  EXPECT_EQ(st.st_size, 8);

  // Every denial is audited with a hint shown once per rule: one for the mount, one for fds.
  ASSERT_EQ(hints.size(), 2u);
  EXPECT_NE(hints[1].find("--dir mount"), std::string::npos) << hints[1];
  EXPECT_NE(hints[0].find("--dir-ro " + t / "ro::/ro is read-only"), std::string::npos) << hints[0];
  EXPECT_NE(hints[0].find("--dir " + t / "ro::/ro"), std::string::npos) << hints[0];
}

TEST_F(BrokerFs, FdMetadataOnWritableFiles) {
  host::Opened o;
  ASSERT_EQ(client->open(kData, "a/b/file", O_RDWR, 0, &o), 0);
  EXPECT_FALSE(o.read_only);
  EXPECT_EQ(client->fd_set_size(o.fd, 3), 0);
  timespec t2[2] = {{2000, 0}, {3000, 5}};
  EXPECT_EQ(client->fd_set_times(o.fd, t2), 0);
  close(o.fd);
  EXPECT_EQ(read_file(t / "mnt/a/b/file"), "ins");
  struct stat st;
  ASSERT_EQ(stat((t / "mnt/a/b/file").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 3000);
  EXPECT_EQ(st.st_mtim.tv_nsec, 5);
  // Read-only fd from a writable mount: times allowed, size refused by the kernel.
  ASSERT_EQ(client->open(kData, "a/b/file", O_RDONLY, 0, &o), 0);
  EXPECT_EQ(client->fd_set_times(o.fd, t2), 0);
  EXPECT_LT(client->fd_set_size(o.fd, 0), 0);
  close(o.fd);
  // An fd the broker never handed out (the worker's stdio, anything else) is refused.
  int outside = open((t / "outside/secret").c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(outside, 0);
  EXPECT_EQ(client->fd_set_size(outside, 0), -EPERM);
  EXPECT_EQ(client->fd_set_times(outside, t2), -EPERM);
  close(outside);
  EXPECT_EQ(read_file(t / "outside/secret"), "SECRET");
  EXPECT_EQ(client->fd_set_size(-1, 0), -EBADF);
}

TEST_F(BrokerFs, HardLinkAndRenameInsideWritableMount) {
  EXPECT_EQ(client->link(kData, "a/b/file", kData, "hard", false), 0);
  EXPECT_EQ(read_file(t / "mnt/hard"), "inside");
  EXPECT_EQ(client->symlink("a/b/file", kData, "sym"), 0);
  EXPECT_EQ(client->link(kData, "sym", kData, "hard2", true), 0);  // follows to the file
  struct stat st;
  ASSERT_EQ(lstat((t / "mnt/hard2").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(client->link(kData, "sym", kData, "hard3", false), 0);  // the link itself
  ASSERT_EQ(lstat((t / "mnt/hard3").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(client->rename(kData, "hard", kData, "a/renamed"), 0);
  EXPECT_EQ(read_file(t / "mnt/a/renamed"), "inside");
  EXPECT_EQ(client->link(kData, "a", kData, "alink", false), -EPERM);  // directories
  EXPECT_EQ(client->link(kData, "a/b/file", kData, "hard2", false), -EEXIST);
}

TEST_F(BrokerFs, DirectoryOperations) {
  EXPECT_EQ(client->mkdir(kData, "new", 0750), 0);
  struct stat st;
  ASSERT_EQ(client->stat(kData, "new", false, &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(client->mkdir(kData, "new", 0750), -EEXIST);
  EXPECT_EQ(client->mkdir(kData, "new2/", 0750), 0);  // trailing slash
  EXPECT_EQ(client->rmdir(kData, "new2/"), 0);
  EXPECT_EQ(client->rmdir(kData, "a"), -ENOTEMPTY);
  EXPECT_EQ(client->unlink(kData, "new"), -EISDIR);
  EXPECT_EQ(client->rmdir(kData, "a/b/file"), -ENOTDIR);
  EXPECT_EQ(client->rmdir(kData, "new"), 0);
  EXPECT_FALSE(exists(t / "mnt/new"));
  // "." and ".." as the final component never name something to create or remove.
  EXPECT_EQ(client->mkdir(kData, ".", 0755), -EEXIST);
  EXPECT_EQ(client->mkdir(kData, "a/..", 0755), -EEXIST);
  EXPECT_EQ(client->rmdir(kData, "."), -EINVAL);
  EXPECT_EQ(client->rmdir(kData, "a/b/.."), -ENOTEMPTY);
  EXPECT_EQ(client->unlink(kData, "a/.."), -EISDIR);
  EXPECT_EQ(client->rename(kData, "a/..", kData, "x"), -EBUSY);
  EXPECT_EQ(client->stat(kData, "a/..", false, &st), 0);  // looking is fine
  EXPECT_EQ(client->stat(kData, ".", false, &st), 0);
  EXPECT_TRUE(exists(t / "mnt/a/b/file"));
}

TEST_F(BrokerFs, TrailingSlashes) {
  std::string s;
  EXPECT_EQ(open_read(kData, "a/"), 0);
  EXPECT_EQ(open_read(kData, "a/b/file/"), -ENOTDIR);
  struct stat st;
  EXPECT_EQ(client->stat(kData, "a/b/file/", false, &st), -ENOTDIR);
  EXPECT_EQ(client->unlink(kData, "a/b/file/"), -ENOTDIR);
  EXPECT_EQ(client->unlink(kData, "a/b/"), -EISDIR);
  EXPECT_EQ(client->rename(kData, "a/b/file/", kData, "x"), -ENOTDIR);
  EXPECT_EQ(client->rename(kData, "a/b/file", kData, "x/"), -ENOTDIR);
  EXPECT_EQ(client->symlink("a", kData, "sl/"), -ENOENT);
  EXPECT_EQ(client->link(kData, "a/b/file", kData, "a/b/file/", false), -EEXIST);
  EXPECT_TRUE(exists(t / "mnt/a/b/file"));
  // A trailing slash forces a symlink to be followed: still beneath.
  ASSERT_EQ(symlink((t / "outside").c_str(), (t / "mnt/out").c_str()), 0);
  EXPECT_EQ(client->stat(kData, "out/", false, &st), -EPERM);
  EXPECT_EQ(client->rmdir(kData, "out/"), -ENOTDIR);  // never removes outside/
  EXPECT_EQ(client->mkdir(kData, "out/", 0755), -EEXIST);
  EXPECT_TRUE(exists(t / "outside/secret"));
  EXPECT_EQ(client->rename(kData, "a/b/", kData, "a/c/"), 0);  // directories may
  EXPECT_TRUE(exists(t / "mnt/a/c/file"));
}

TEST_F(BrokerFs, OddPathBytes) {
  EXPECT_EQ(open_read(kData, std::string("a/b/file\0../../outside/secret", 30)), -EINVAL);
  EXPECT_EQ(client->mkdir(kData, std::string("x\0y", 3), 0755), -EINVAL);
  EXPECT_EQ(client->symlink(std::string("t\0", 2), kData, "l"), -EINVAL);
  EXPECT_EQ(open_read(kData, std::string(4097, 'a')), -ENAMETOOLONG);
  // Exactly 4096 bytes passes the wire but not the kernel's PATH_MAX (which counts the NUL).
  std::string long_path;
  while (long_path.size() < 4096) long_path += "./";
  EXPECT_EQ(open_read(kData, long_path), -ENAMETOOLONG);
  EXPECT_EQ(open_read(kData, std::string(300, 'n')), -ENAMETOOLONG);  // NAME_MAX
  // Non-UTF-8 names are bytes to Linux.
  std::string weird = "\xff\xfe\x80name";
  host::Opened o;
  ASSERT_EQ(client->open(kData, weird, O_WRONLY | O_CREAT | O_EXCL, 0600, &o), 0);
  close(o.fd);
  EXPECT_TRUE(exists(t / "mnt/" + weird));
  EXPECT_EQ(client->unlink(kData, weird), 0);
}

TEST_F(BrokerFs, DirectoryHandles) {
  host::Opened a;
  ASSERT_EQ(client->open(kData, "a", O_RDONLY | O_DIRECTORY, 0, &a), 0);
  EXPECT_TRUE(a.is_directory);
  EXPECT_EQ(a.file_type, static_cast<uint32_t>(S_IFDIR));  // the worker skips its fstat on it
  EXPECT_EQ(a.dir, 2u);
  std::string s;
  EXPECT_EQ(open_read(a.dir, "b/file", &s), 0);
  EXPECT_EQ(s, "inside");
  // A directory handle confines like a mount: its parent is out of reach.
  EXPECT_EQ(open_read(a.dir, "../a/b/file"), -EPERM);
  EXPECT_EQ(open_read(a.dir, ".."), -EPERM);
  host::Opened b;
  ASSERT_EQ(client->open(a.dir, "b", O_RDONLY | O_DIRECTORY, 0, &b), 0);
  EXPECT_EQ(b.dir, 3u);
  EXPECT_EQ(client->close_dir(a.dir), 0);
  EXPECT_EQ(open_read(a.dir, "b/file"), -EBADF);
  EXPECT_EQ(client->close_dir(a.dir), -EBADF);
  EXPECT_EQ(open_read(b.dir, "file"), 0);  // others are unaffected
  EXPECT_EQ(open_read(99, "a"), -EBADF);
  EXPECT_EQ(open_read(0xffffffff, "a"), -EBADF);
  struct stat st;
  EXPECT_EQ(client->stat(1234, "a", false, &st), -EBADF);
  EXPECT_EQ(client->rename(0, "a", 77, "b"), -EBADF);
  close(a.fd);
  close(b.fd);
  // Opening a file (not a directory) creates no handle.
  host::Opened f;
  ASSERT_EQ(client->open(kData, "a/b/file", O_RDONLY, 0, &f), 0);
  EXPECT_FALSE(f.is_directory);
  EXPECT_EQ(f.file_type, static_cast<uint32_t>(S_IFREG));
  close(f.fd);
  EXPECT_EQ(client->session().handle_count(), 3u);  // two preopens + b
}

TEST_F(BrokerFs, HandleTableIsBounded) {
  Policy p = policy;
  p.limits.max_fds = 5;
  std::string err;
  auto c = DirectBrokerClient::create(p, &err);
  ASSERT_TRUE(c);
  std::vector<host::Opened> opened;
  int r = 0;
  for (int i = 0; i < 10 && r == 0; i++) {
    host::Opened o;
    r = c->open(kData, "a", O_RDONLY | O_DIRECTORY, 0, &o);
    if (r == 0) opened.push_back(o);
  }
  EXPECT_EQ(r, -EMFILE);
  EXPECT_EQ(opened.size(), 3u);
  EXPECT_EQ(c->close_dir(opened[0].dir), 0);
  host::Opened o;
  EXPECT_EQ(c->open(kData, "a", O_RDONLY | O_DIRECTORY, 0, &o), 0);
  EXPECT_EQ(o.dir, opened[0].dir);  // the freed slot is reused
  close(o.fd);
  for (auto& x : opened) close(x.fd);
}

TEST_F(BrokerFs, FifoDoesNotBlockTheBroker) {
  ASSERT_EQ(mkfifo((t / "mnt/fifo").c_str(), 0644), 0);
  host::Opened o;
  // Read side with no writer: opens at once (a blocking broker would hang here forever).
  ASSERT_EQ(client->open(kData, "fifo", O_RDONLY, 0, &o), 0);
  EXPECT_EQ(fcntl(o.fd, F_GETFL) & O_NONBLOCK, 0);         // the guest asked for blocking
  EXPECT_EQ(o.file_type, static_cast<uint32_t>(S_IFIFO));  // the worker fstats it itself
  close(o.fd);
  EXPECT_EQ(client->open(kData, "fifo", O_WRONLY, 0, &o), -ENXIO);
}

TEST_F(BrokerFs, ReadlinkStatAndSetTimes) {
  ASSERT_EQ(symlink("a/b/file", (t / "mnt/l").c_str()), 0);
  std::string target;
  EXPECT_EQ(client->readlink(kData, "l", &target), 0);
  EXPECT_EQ(target, "a/b/file");
  struct stat st;
  ASSERT_EQ(client->stat(kData, "l", true, &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_size, 6);
  ASSERT_EQ(client->stat(kData, "l", false, &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  timespec ts[2] = {{0, UTIME_OMIT}, {4242, 0}};
  EXPECT_EQ(client->set_times(kData, "l", ts, true), 0);
  ASSERT_EQ(stat((t / "mnt/a/b/file").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 4242);
  timespec ts2[2] = {{0, UTIME_OMIT}, {777, 0}};
  EXPECT_EQ(client->set_times(kData, "l", ts2, false), 0);  // the link itself
  ASSERT_EQ(lstat((t / "mnt/l").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 777);
  ASSERT_EQ(stat((t / "mnt/a/b/file").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 4242);
  timespec bad[2] = {{0, 1'000'000'000}, {0, 0}};
  EXPECT_EQ(client->set_times(kData, "l", bad, true), -EINVAL);
}

TEST_F(BrokerFs, RequestIdsMustBeInSequence) {
  Session& s = client->session();
  ipc::Request r;
  r.kind = ipc::Kind::kCloseDir;
  r.dir = 99;
  r.id = s.expected_id() + 1;  // skipping one: a replayed or forged request
  EXPECT_FALSE(s.handle(ipc::encode_request(std::move(r))));
  ipc::Request ok;
  ok.kind = ipc::Kind::kCloseDir;
  ok.dir = 99;
  ok.id = s.expected_id();
  std::optional<ipc::Message> reply = s.handle(ipc::encode_request(std::move(ok)));
  ASSERT_TRUE(reply);
  std::optional<ipc::Reply> rep =
      ipc::decode_reply(std::move(*reply), ipc::Kind::kCloseDir, s.expected_id() - 1);
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->result, -EBADF);
}

}  // namespace
}  // namespace wc::broker

namespace wc::broker {
namespace {

TEST_F(BrokerFs, CreatedFilesNeverGetSetuidBits) {
  host::Opened o;
  ASSERT_EQ(client->open(kData, "suid", O_WRONLY | O_CREAT, 07777, &o), 0);
  close(o.fd);
  ASSERT_EQ(client->mkdir(kData, "sgid_dir", 07777), 0);
  struct stat st;
  ASSERT_EQ(stat((t / "mnt/suid").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07000, 0u);
  ASSERT_EQ(stat((t / "mnt/sgid_dir").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & (S_ISUID | S_ISVTX), 0u);
}

TEST_F(BrokerFs, ClosedPreopenSlotsAreNotReused) {
  EXPECT_EQ(client->close_dir(kData), 0);
  EXPECT_EQ(client->close_dir(kRo), 0);
  EXPECT_EQ(open_read(kData, "a/b/file"), -EBADF);
  std::vector<host::Preopen> pre = client->preopens();
  EXPECT_TRUE(pre.empty());
  Policy p = policy;
  std::string err;
  auto c = DirectBrokerClient::create(p, &err);
  ASSERT_TRUE(c);
  ASSERT_EQ(c->close_dir(kData), 0);
  host::Opened o;
  ASSERT_EQ(c->open(kRo, ".", O_RDONLY | O_DIRECTORY, 0, &o), 0);
  EXPECT_EQ(o.dir, 2u);  // not 0
  close(o.fd);
  pre = c->preopens();
  ASSERT_EQ(pre.size(), 1u);
  EXPECT_EQ(pre[0].guest_path, "/ro");
  for (auto& x : pre) close(x.fd);
}

}  // namespace
}  // namespace wc::broker
