// The Node-style fs object of the Go js/wasm host, driven the way syscall/fs_js.go drives it:
// get a method, call it with arguments and a callback, run the event loop, look at what the
// callback received. Most tests use the in-process TestBroker; a few use the real broker's
// session (DirectBrokerClient) for its escape and read-only checks.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>

#include "broker/direct_client.h"
#include "broker_test_util.h"
#include "host/gojs/event_loop.h"
#include "host/gojs/node_fs.h"
#include "host/gojs/realm.h"
#include "wasi_test_broker.h"

namespace wc::host::gojs {
namespace {

using wc::testing::read_file;
using wc::testing::TempDir;
using wc::testing::write_file;

// What a callback received.
struct Outcome {
  std::vector<JsValue> args;
  bool ok() const { return !args.empty() && args[0].is_null(); }
  std::string code() const { return args.empty() ? "" : args[0].get("code").to_string(); }
  std::string message() const { return args.empty() ? "" : args[0].get("message").to_string(); }
  JsValue value() const { return args.size() > 1 ? args[1] : JsValue(); }
  int number() const { return static_cast<int>(value().to_number()); }
};

JsObjectPtr bytes(std::string_view s) {
  auto a = std::make_shared<JsUint8Array>(s.size());
  std::copy(s.begin(), s.end(), a->data());
  return a;
}

JsObjectPtr u8(size_t n) { return std::make_shared<JsUint8Array>(n); }

std::string text(const JsValue& v, size_t n) {
  auto* a = v.object_as<JsUint8Array>();
  return a ? std::string(reinterpret_cast<const char*>(a->data()), n) : "<not a Uint8Array>";
}

std::vector<std::string> names(const JsValue& array) {
  std::vector<std::string> out;
  if (auto* a = array.object_as<JsArray>())
    for (const JsValue& v : a->items()) out.push_back(v.to_string());
  std::sort(out.begin(), out.end());
  return out;
}

class GojsFs : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(mkdir((t / "mnt").c_str(), 0755), 0);
    ASSERT_EQ(mkdir((t / "mnt/a").c_str(), 0755), 0);
    ASSERT_EQ(mkdir((t / "mnt/a/b").c_str(), 0755), 0);
    write_file(t / "mnt/top.txt", "top");
    write_file(t / "mnt/a/inner.txt", "inner");
    ASSERT_EQ(mkdir((t / "ro").c_str(), 0755), 0);
    write_file(t / "ro/readonly.txt", "original");
    ASSERT_EQ(mkdir((t / "outside").c_str(), 0755), 0);
    write_file(t / "outside/secret", "SECRET");
    ASSERT_EQ(mkdir((t / "www").c_str(), 0755), 0);
    ASSERT_EQ(pipe2(out_pipe, O_CLOEXEC), 0);
    ASSERT_EQ(pipe2(in_pipe, O_CLOEXEC | O_NONBLOCK), 0);
  }
  void TearDown() override {
    fs.reset();
    nodefs.reset();
    for (int fd : {out_pipe[0], out_pipe[1], in_pipe[0], in_pipe[1]}) close(fd);
  }

  // Builds the fs object over the TestBroker (or `client` when given).
  void start(uint32_t max_fds = 1024, BrokerClient* client = nullptr) {
    if (client == nullptr) {
      broker = std::make_unique<testing::TestBroker>(std::vector<testing::TestBroker::Mount>{
          {"/data", t / "mnt", false}, {"/ro", t / "ro", true}, {"/srv/www", t / "www", false}});
      client = broker.get();
    }
    realm.broker = client;
    NodeFsConfig config;
    config.stdin_fd = in_pipe[0];
    config.stdout_fd = out_pipe[1];
    config.stderr_fd = out_pipe[1];
    config.max_fds = max_fds;
    nodefs = std::make_unique<NodeFs>(realm, config);
    fs = nodefs->make_fs_object();
  }

  // Calls fs.NAME(args..., callback) and runs the loop until the callback ran. The callback
  // must not run inside the call (Node's rule).
  Outcome call(const std::string& name, std::vector<JsValue> args) {
    auto out = std::make_shared<Outcome>();
    auto done = std::make_shared<bool>(false);
    args.push_back(make_function("cb", [out, done](const JsValue&, JsArgs a) {
      out->args.assign(a.begin(), a.end());
      *done = true;
      return JsValue();
    }));
    fs->get(name).as_object()->call(JsValue(), args);
    EXPECT_FALSE(*done) << name << " called back synchronously";
    while (!*done && loop.alive()) loop.run_once(nullptr);
    EXPECT_TRUE(*done) << name << " never called back";
    return *out;
  }

  // Calls fs.NAME expecting it to throw synchronously; returns the thrown value.
  JsValue call_throws(const std::string& name, std::vector<JsValue> args) {
    args.push_back(make_function("cb", [](const JsValue&, JsArgs) { return JsValue(); }));
    try {
      fs->get(name).as_object()->call(JsValue(), args);
    } catch (const JsThrow& e) {
      return e.value;
    }
    ADD_FAILURE() << name << " did not throw";
    return JsValue();
  }

  int open(const std::string& path, int flags, int mode = 0644) {
    Outcome o = call("open", {path, flags, mode});
    EXPECT_TRUE(o.ok()) << path << ": " << o.message();
    return o.ok() ? o.number() : -1;
  }

  Outcome read(int fd, const JsObjectPtr& buf, int offset, int length, JsValue position) {
    return call("read", {fd, buf, offset, length, position});
  }

  std::string drain_stdout() {
    char buf[4096];
    int flags = fcntl(out_pipe[0], F_GETFL);
    fcntl(out_pipe[0], F_SETFL, flags | O_NONBLOCK);
    ssize_t n = ::read(out_pipe[0], buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }

  TempDir t;
  EventLoop loop;
  Realm realm{loop};
  std::unique_ptr<testing::TestBroker> broker;
  std::unique_ptr<NodeFs> nodefs;
  JsObjectPtr fs;
  int out_pipe[2] = {-1, -1}, in_pipe[2] = {-1, -1};
};

TEST_F(GojsFs, ConstantsAreLinuxValues) {
  start();
  JsValue c = fs->get("constants");
  EXPECT_EQ(c.get("O_WRONLY").to_number(), O_WRONLY);
  EXPECT_EQ(c.get("O_RDWR").to_number(), O_RDWR);
  EXPECT_EQ(c.get("O_CREAT").to_number(), O_CREAT);
  EXPECT_EQ(c.get("O_TRUNC").to_number(), O_TRUNC);
  EXPECT_EQ(c.get("O_APPEND").to_number(), O_APPEND);
  EXPECT_EQ(c.get("O_EXCL").to_number(), O_EXCL);
  EXPECT_EQ(c.get("O_DIRECTORY").to_number(), O_DIRECTORY);
  EXPECT_EQ(c.get("S_IFMT").to_number(), S_IFMT);
  EXPECT_EQ(c.get("S_IFDIR").to_number(), S_IFDIR);
  EXPECT_EQ(c.get("W_OK").to_number(), W_OK);
}

TEST_F(GojsFs, OpenWriteReadBackPreadPwrite) {
  start();
  int fd = open("/data/new.txt", O_CREAT | O_WRONLY | O_TRUNC);
  EXPECT_EQ(fd, 3);
  Outcome w = call("write", {fd, bytes("hello world"), 0, 11, JsValue::null()});
  ASSERT_TRUE(w.ok()) << w.message();
  EXPECT_EQ(w.number(), 11);
  // pwrite at a position leaves the rest.
  EXPECT_EQ(call("write", {fd, bytes("HELLO"), 0, 5, 0}).number(), 5);
  ASSERT_TRUE(call("close", {fd}).ok());
  EXPECT_EQ(read_file(t / "mnt/new.txt"), "HELLO world");

  fd = open("/data/new.txt", O_RDONLY);
  auto buf = u8(32);
  Outcome r = read(fd, buf, 0, 32, JsValue::null());
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r.number(), 11);
  EXPECT_EQ(text(buf, 11), "HELLO world");
  EXPECT_EQ(read(fd, buf, 0, 32, JsValue::null()).number(), 0);  // end of file
  // pread does not move the file offset; offsets into the buffer are honoured.
  r = read(fd, buf, 2, 5, 6);
  EXPECT_EQ(r.number(), 5);
  EXPECT_EQ(text(buf, 7).substr(2), "world");
  ASSERT_TRUE(call("close", {fd}).ok());
}

TEST_F(GojsFs, CallbacksAreAsynchronousAndNodeShaped) {
  start();
  Outcome o = call("stat", {"/data/top.txt"});  // call() checks nothing ran synchronously
  ASSERT_EQ(o.args.size(), 2u);
  EXPECT_TRUE(o.args[0].is_null());
  EXPECT_THROW(fs->get("stat").as_object()->call(JsValue(), std::vector<JsValue>{"/data"}),
               JsThrow);  // no callback: Node's TypeError
}

TEST_F(GojsFs, CreateExclusiveOnExistingIsEexist) {
  start();
  Outcome o = call("open", {"/data/top.txt", O_CREAT | O_EXCL | O_WRONLY, 0644});
  EXPECT_EQ(o.code(), "EEXIST");
  EXPECT_EQ(read_file(t / "mnt/top.txt"), "top");
}

TEST_F(GojsFs, ReaddirListsNames) {
  start();
  Outcome o = call("readdir", {"/data"});
  ASSERT_TRUE(o.ok()) << o.message();
  EXPECT_EQ(names(o.value()), (std::vector<std::string>{"a", "top.txt"}));
  o = call("readdir", {"/data/a/"});
  EXPECT_EQ(names(o.value()), (std::vector<std::string>{"b", "inner.txt"}));
  EXPECT_EQ(call("readdir", {"/data/top.txt"}).code(), "ENOTDIR");
  EXPECT_EQ(call("readdir", {"/data/missing"}).code(), "ENOENT");
}

TEST_F(GojsFs, ReaddirOfALargeDirectoryReadsEveryEntry) {
  start();
  for (int i = 0; i < 700; i++)
    write_file(t / ("mnt/a/b/file-with-a-long-name-" + std::to_string(i)), "");
  Outcome o = call("readdir", {"/data/a/b"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(names(o.value()).size(), 700u);
}

TEST_F(GojsFs, MkdirRenameUnlinkRmdir) {
  start();
  ASSERT_TRUE(call("mkdir", {"/data/d", 0755}).ok());
  EXPECT_EQ(call("mkdir", {"/data/d", 0755}).code(), "EEXIST");
  struct stat st;
  ASSERT_EQ(stat((t / "mnt/d").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0755u);  // 0755 & ~umask 022

  ASSERT_TRUE(call("rename", {"/data/top.txt", "/data/d/moved.txt"}).ok());
  EXPECT_EQ(read_file(t / "mnt/d/moved.txt"), "top");
  EXPECT_EQ(call("rmdir", {"/data/d"}).code(), "ENOTEMPTY");
  ASSERT_TRUE(call("unlink", {"/data/d/moved.txt"}).ok());
  EXPECT_EQ(call("unlink", {"/data/d/moved.txt"}).code(), "ENOENT");
  ASSERT_TRUE(call("rmdir", {"/data/d"}).ok());
  EXPECT_FALSE(wc::testing::exists(t / "mnt/d"));
  // The grants themselves cannot be removed or replaced.
  EXPECT_FALSE(call("rmdir", {"/data"}).ok());
  EXPECT_FALSE(call("rename", {"/data/a", "/srv"}).ok());
  EXPECT_EQ(call("mkdir", {"/data", 0755}).code(), "EEXIST");
}

TEST_F(GojsFs, UmaskAppliesToCreatedFiles) {
  start();
  EXPECT_EQ(nodefs->umask(077), 022u);
  int fd = open("/data/private", O_CREAT | O_WRONLY, 0666);
  call("close", {fd});
  struct stat st;
  ASSERT_EQ(stat((t / "mnt/private").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(GojsFs, StatOfMissingIsNodeStyleEnoent) {
  start();
  Outcome o = call("stat", {"/data/nope"});
  EXPECT_EQ(o.code(), "ENOENT");
  EXPECT_EQ(o.message(), "ENOENT: no such file or directory, stat '/data/nope'");
  EXPECT_EQ(o.args[0].get("syscall").to_string(), "stat");
  EXPECT_EQ(o.args[0].get("path").to_string(), "/data/nope");
  EXPECT_EQ(o.args[0].get("errno").to_number(), -ENOENT);
}

TEST_F(GojsFs, LstatSeesSymlinkStatFollowsReadlinkReads) {
  start();
  ASSERT_TRUE(call("symlink", {"top.txt", "/data/link"}).ok());
  Outcome l = call("lstat", {"/data/link"});
  ASSERT_TRUE(l.ok()) << l.message();
  EXPECT_TRUE(l.value().get("isSymbolicLink").as_object()->call(l.value(), {}).as_bool());
  Outcome s = call("stat", {"/data/link"});
  ASSERT_TRUE(s.ok());
  JsValue is_file = s.value().get("isFile").as_object()->call(s.value(), {});
  EXPECT_TRUE(is_file.as_bool());
  EXPECT_EQ(s.value().get("size").to_number(), 3);
  Outcome r = call("readlink", {"/data/link"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().to_string(), "top.txt");
  EXPECT_EQ(call("readlink", {"/data/top.txt"}).code(), "EINVAL");
  EXPECT_EQ(call("readlink", {"/data"}).code(), "EINVAL");

  ASSERT_TRUE(call("link", {"/data/top.txt", "/data/hard"}).ok());
  EXPECT_EQ(call("stat", {"/data/hard"}).value().get("nlink").to_number(), 2);
}

TEST_F(GojsFs, SymlinksOutOfTheGrantAreNotFollowed) {
  start();
  ASSERT_EQ(symlink((t / "outside/secret").c_str(), (t / "mnt/abs").c_str()), 0);
  ASSERT_EQ(symlink("../outside/secret", (t / "mnt/rel").c_str()), 0);
  ASSERT_EQ(symlink("../outside", (t / "mnt/dirlink").c_str()), 0);
  for (const char* path : {"/data/abs", "/data/rel", "/data/dirlink/secret"}) {
    Outcome o = call("open", {path, O_RDONLY, 0});
    EXPECT_FALSE(o.ok()) << path;
    if (o.ok()) {
      auto buf = u8(16);
      EXPECT_NE(text(buf, read(o.number(), buf, 0, 16, JsValue::null()).number()), "SECRET");
    }
    EXPECT_FALSE(call("stat", {path}).ok()) << path;
  }
  EXPECT_FALSE(call("readdir", {"/data/dirlink"}).ok());
  // The link itself is visible.
  EXPECT_TRUE(call("lstat", {"/data/abs"}).ok());
}

TEST_F(GojsFs, DotDotCannotClimbOutOfAGrant) {
  start();
  std::string host_secret = t / "outside/secret";
  for (const std::string& path :
       {std::string("/data/../outside/secret"), std::string("/data/a/../../../outside/secret"),
        std::string("/data/../../../../..") + host_secret, host_secret}) {
    Outcome o = call("open", {path, O_RDONLY, 0});
    EXPECT_EQ(o.code(), "ENOENT") << path;
  }
  // `..` that stays inside is fine.
  EXPECT_TRUE(call("stat", {"/data/a/../top.txt"}).ok());
  ASSERT_EQ(nodefs->chdir("/data/a"), 0);
  EXPECT_EQ(call("stat", {"../../outside/secret"}).code(), "ENOENT");
}

TEST_F(GojsFs, PathsUnderNoGrantAreEnoent) {
  start();
  for (const char* path : {"/etc/passwd", "/tmp", "/srv/other", "/data2", "/dat"}) {
    EXPECT_EQ(call("stat", {path}).code(), "ENOENT") << path;
    EXPECT_EQ(call("open", {path, O_RDONLY, 0}).code(), "ENOENT") << path;
  }
  EXPECT_EQ(call("mkdir", {"/newdir", 0755}).code(), "ENOENT");
  EXPECT_EQ(call("stat", {""}).code(), "ENOENT");
}

TEST_F(GojsFs, GrantRootsAndDirectoriesAboveThem) {
  start();
  Outcome o = call("stat", {"/data"});
  ASSERT_TRUE(o.ok()) << o.message();
  EXPECT_TRUE(o.value().get("isDirectory").as_object()->call(o.value(), {}).as_bool());
  EXPECT_TRUE(call("lstat", {"/data"}).ok());
  o = call("stat", {"/"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(static_cast<int>(o.value().get("mode").to_number()) & S_IFMT, S_IFDIR);
  EXPECT_EQ(names(call("readdir", {"/"}).value()), (std::vector<std::string>{"data", "ro", "srv"}));
  EXPECT_EQ(names(call("readdir", {"/srv"}).value()), (std::vector<std::string>{"www"}));
  EXPECT_TRUE(call("readdir", {"/srv/www"}).ok());

  // Go's os.ReadDir("/"): open, fstat, readdir by path.
  int fd = open("/", O_RDONLY);
  o = call("fstat", {fd});
  EXPECT_TRUE(o.value().get("isDirectory").as_object()->call(o.value(), {}).as_bool());
  EXPECT_EQ(call("read", {fd, u8(4), 0, 4, JsValue::null()}).code(), "EISDIR");
  call("close", {fd});
  fd = open("/data", O_RDONLY);
  o = call("fstat", {fd});
  EXPECT_TRUE(o.value().get("isDirectory").as_object()->call(o.value(), {}).as_bool());
  call("close", {fd});
  EXPECT_EQ(broker->opened_dirs(), 3);  // only the grants: directory handles were released

  EXPECT_EQ(call("open", {"/srv", O_WRONLY, 0}).code(), "EISDIR");
  EXPECT_EQ(call("open", {"/srv", O_CREAT | O_EXCL, 0}).code(), "EEXIST");
  EXPECT_EQ(call("mkdir", {"/srv", 0755}).code(), "EEXIST");
}

TEST_F(GojsFs, ReadOnlyGrantRefusesWrites) {
  start();
  EXPECT_EQ(call("open", {"/ro/readonly.txt", O_WRONLY, 0}).code(), "EROFS");
  EXPECT_EQ(call("open", {"/ro/new", O_CREAT | O_WRONLY, 0644}).code(), "EROFS");
  EXPECT_EQ(call("mkdir", {"/ro/d", 0755}).code(), "EROFS");
  EXPECT_EQ(call("unlink", {"/ro/readonly.txt"}).code(), "EROFS");
  EXPECT_EQ(call("truncate", {"/ro/readonly.txt", 0}).code(), "EROFS");
  EXPECT_EQ(call("utimes", {"/ro/readonly.txt", 1, 1}).code(), "EROFS");
  EXPECT_EQ(call("rename", {"/ro/readonly.txt", "/data/stolen"}).code(), "EROFS");
  // Reading works; the fd cannot change the file.
  int fd = open("/ro/readonly.txt", O_RDONLY);
  EXPECT_FALSE(call("ftruncate", {fd, 0}).ok());
  EXPECT_FALSE(call("write", {fd, bytes("x"), 0, 1, JsValue::null()}).ok());
  EXPECT_EQ(read_file(t / "ro/readonly.txt"), "original");
  EXPECT_TRUE(wc::testing::exists(t / "ro/readonly.txt"));
  EXPECT_FALSE(wc::testing::exists(t / "ro/new"));
}

TEST_F(GojsFs, FdNumbersStartAtThreeAndAreReused) {
  start();
  int a = open("/data/top.txt", O_RDONLY);
  int b = open("/data/a/inner.txt", O_RDONLY);
  int c = open("/data", O_RDONLY);
  EXPECT_EQ(a, 3);
  EXPECT_EQ(b, 4);
  EXPECT_EQ(c, 5);
  ASSERT_TRUE(call("close", {b}).ok());
  EXPECT_EQ(call("close", {b}).code(), "EBADF");
  EXPECT_EQ(open("/data/top.txt", O_RDONLY), 4);
  EXPECT_EQ(call("fstat", {99}).code(), "EBADF");
}

TEST_F(GojsFs, ClosingStdioKeepsTheHostFds) {
  start();
  Outcome w = call("write", {1, bytes("to stdout"), 0, 9, JsValue::null()});
  EXPECT_EQ(w.number(), 9);
  EXPECT_EQ(drain_stdout(), "to stdout");
  ASSERT_TRUE(call("close", {1}).ok());
  EXPECT_NE(fcntl(out_pipe[1], F_GETFD), -1);  // still open on the host
  EXPECT_EQ(call("write", {1, bytes("x"), 0, 1, JsValue::null()}).code(), "EBADF");
  EXPECT_EQ(nodefs->write_sync(1, reinterpret_cast<const uint8_t*>("x"), 1), -EBADF);
  // fd 2 shares the host fd and still works; 1 is never handed out again.
  EXPECT_EQ(nodefs->write_sync(2, reinterpret_cast<const uint8_t*>("err"), 3), 3);
  EXPECT_EQ(drain_stdout(), "err");
  EXPECT_EQ(open("/data/top.txt", O_RDONLY), 3);
}

TEST_F(GojsFs, WriteSyncWritesEverythingOrThrows) {
  start();
  JsValue n =
      fs->get("writeSync")
          .as_object()
          ->call(JsValue(), std::vector<JsValue>{2, bytes("panic: x\n"), 0, 9, JsValue::null()});
  EXPECT_EQ(n.to_number(), 9);
  EXPECT_EQ(drain_stdout(), "panic: x\n");
  try {
    fs->get("writeSync").as_object()->call(JsValue(), std::vector<JsValue>{42, bytes("x")});
    ADD_FAILURE() << "writeSync to a bad fd did not throw";
  } catch (const JsThrow& e) {
    EXPECT_EQ(e.value.get("code").to_string(), "EBADF");
  }
  // A large write is completed across partial writes (the pipe holds 64 KiB).
  std::string big(200000, 'z');
  int fd = open("/data/big", O_CREAT | O_WRONLY);
  EXPECT_EQ(nodefs->write_sync(fd, reinterpret_cast<const uint8_t*>(big.data()), big.size()),
            static_cast<long>(big.size()));
  EXPECT_EQ(read_file(t / "mnt/big"), big);
}

TEST_F(GojsFs, EmfileAtMaxFdsCreatesNothing) {
  start(5);
  EXPECT_EQ(open("/data/top.txt", O_RDONLY), 3);
  EXPECT_EQ(open("/data/top.txt", O_RDONLY), 4);
  EXPECT_EQ(call("open", {"/data/created", O_CREAT | O_WRONLY, 0644}).code(), "EMFILE");
  EXPECT_FALSE(wc::testing::exists(t / "mnt/created"));
  call("close", {3});
  EXPECT_EQ(open("/data/top.txt", O_RDONLY), 3);
}

TEST_F(GojsFs, ChdirAndRelativePaths) {
  start();
  EXPECT_EQ(nodefs->cwd(), "/");
  ASSERT_EQ(nodefs->chdir("/data/a/"), 0);
  EXPECT_EQ(nodefs->cwd(), "/data/a");
  EXPECT_TRUE(call("stat", {"b"}).ok());
  int fd = open("../top.txt", O_RDONLY);
  auto buf = u8(8);
  EXPECT_EQ(text(buf, read(fd, buf, 0, 8, JsValue::null()).number()), "top");
  ASSERT_EQ(nodefs->chdir("b"), 0);
  EXPECT_EQ(nodefs->cwd(), "/data/a/b");
  EXPECT_EQ(nodefs->chdir("/data/top.txt"), -ENOTDIR);
  EXPECT_EQ(nodefs->chdir("/data/missing"), -ENOENT);
  EXPECT_EQ(nodefs->chdir("/nowhere"), -ENOENT);
  EXPECT_EQ(nodefs->cwd(), "/data/a/b");
  ASSERT_EQ(nodefs->chdir("/srv"), 0);  // a synthetic directory
  EXPECT_EQ(names(call("readdir", {"."}).value()), (std::vector<std::string>{"www"}));
  ASSERT_EQ(nodefs->chdir("www"), 0);
  EXPECT_EQ(nodefs->cwd(), "/srv/www");
}

TEST_F(GojsFs, StatsFieldsMatchTheHost) {
  start();
  struct stat host;
  ASSERT_EQ(stat((t / "mnt/top.txt").c_str(), &host), 0);
  Outcome o = call("stat", {"/data/top.txt"});
  ASSERT_TRUE(o.ok());
  JsValue s = o.value();
  EXPECT_EQ(s.get("size").to_number(), 3);
  EXPECT_EQ(s.get("mode").to_number(), host.st_mode);
  EXPECT_EQ(s.get("ino").to_number(), static_cast<double>(host.st_ino));
  EXPECT_EQ(s.get("dev").to_number(), static_cast<double>(host.st_dev));
  EXPECT_EQ(s.get("nlink").to_number(), 1);
  EXPECT_EQ(s.get("uid").to_number(), host.st_uid);
  EXPECT_EQ(s.get("blksize").to_number(), host.st_blksize);
  EXPECT_EQ(s.get("blocks").to_number(), host.st_blocks);
  double mtime = host.st_mtim.tv_sec * 1000.0 + host.st_mtim.tv_nsec / 1e6;
  EXPECT_DOUBLE_EQ(s.get("mtimeMs").to_number(), mtime);
  EXPECT_TRUE(s.get("birthtimeMs").is_number());
  EXPECT_FALSE(s.get("isDirectory").as_object()->call(s, {}).as_bool());
  EXPECT_TRUE(s.get("isFile").as_object()->call(s, {}).as_bool());
  EXPECT_FALSE(s.get("isFIFO").as_object()->call(s, {}).as_bool());
  JsValue d = call("stat", {"/data/a"}).value();
  EXPECT_TRUE(d.get("isDirectory").as_object()->call(d, {}).as_bool());
  EXPECT_TRUE(d.object_as<JsObject>()->instance_of(fs->get("Stats").as_object().get()));
}

TEST_F(GojsFs, ReadBeyondTheBufferIsRefusedWithoutOverflow) {
  start();
  int fd = open("/data/top.txt", O_RDONLY);
  // A 4-byte view in the middle of a 12-byte buffer, guarded on both sides.
  auto backing = std::make_shared<std::vector<uint8_t>>(12, 0xAA);
  JsObjectPtr view = std::make_shared<JsUint8Array>(backing, 4, 4);
  for (auto [offset, length] :
       std::vector<std::pair<int, int>>{{0, 8}, {5, 0}, {2, 3}, {-1, 1}, {0, -1}}) {
    JsValue thrown = call_throws("read", {fd, view, offset, length, JsValue::null()});
    EXPECT_EQ(thrown.get("code").to_string(), "ERR_OUT_OF_RANGE") << offset << "," << length;
  }
  EXPECT_EQ(call_throws("read", {fd, view, 0, 1.5, JsValue::null()}).get("code").to_string(),
            "ERR_OUT_OF_RANGE");
  EXPECT_EQ(call_throws("read", {fd, view, 0, 4, -2}).get("code").to_string(), "ERR_OUT_OF_RANGE");
  EXPECT_TRUE(call_throws("read", {fd, "not a buffer", 0, 1, JsValue::null()}).is_object());
  EXPECT_TRUE(call_throws("read", {"3", view, 0, 1, JsValue::null()}).is_object());
  EXPECT_TRUE(call_throws("write", {fd, view, 0, 5, JsValue::null()}).is_object());
  EXPECT_TRUE(call_throws("open", {JsValue(), O_RDONLY, 0}).is_object());
  EXPECT_TRUE(call_throws("open", {std::string("/data/top.txt\0x", 15), 0, 0}).is_object());
  EXPECT_EQ(std::count(backing->begin(), backing->end(), 0xAA), 12);
  // In range: the read lands inside the view only.
  EXPECT_EQ(read(fd, view, 1, 3, JsValue::null()).number(), 3);
  EXPECT_EQ(std::string(backing->begin() + 5, backing->begin() + 8), "top");
  EXPECT_EQ((*backing)[4], 0xAA);
  EXPECT_EQ((*backing)[8], 0xAA);
}

TEST_F(GojsFs, UnknownOpenFlagsAreEinval) {
  start();
  EXPECT_EQ(call("open", {"/data/top.txt", O_RDONLY | O_PATH, 0}).code(), "EINVAL");
  EXPECT_EQ(call("open", {"/data/top.txt", O_ACCMODE, 0}).code(), "EINVAL");
  EXPECT_TRUE(call("open", {"/data/top.txt", "r", JsValue()}).ok());
  EXPECT_TRUE(call_throws("open", {"/data/top.txt", "bogus", 0}).is_object());
}

TEST_F(GojsFs, TruncateFtruncateUtimesFsync) {
  start();
  ASSERT_TRUE(call("truncate", {"/data/top.txt", 1}).ok());
  EXPECT_EQ(read_file(t / "mnt/top.txt"), "t");
  int fd = open("/data/a/inner.txt", O_RDWR);
  ASSERT_TRUE(call("ftruncate", {fd, 2}).ok());
  EXPECT_EQ(read_file(t / "mnt/a/inner.txt"), "in");
  EXPECT_TRUE(call("fsync", {fd}).ok());
  ASSERT_TRUE(call("utimes", {"/data/top.txt", 1000, 2000.5}).ok());
  struct stat st;
  ASSERT_EQ(stat((t / "mnt/top.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_atim.tv_sec, 1000);
  EXPECT_EQ(st.st_mtim.tv_sec, 2000);
  EXPECT_EQ(st.st_mtim.tv_nsec, 500000000);
  JsValue s = call("stat", {"/data/top.txt"}).value();
  EXPECT_EQ(static_cast<int64_t>(s.get("mtimeMs").to_number()), 2000500);
  ASSERT_TRUE(call("futimes", {fd, 3000, 4000}).ok());
  ASSERT_EQ(stat((t / "mnt/a/inner.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 4000);
}

TEST_F(GojsFs, ChmodAndChownGoThroughTheBroker) {
  start();
  struct stat st;
  auto mode_of = [&](const std::string& host) {
    return stat(host.c_str(), &st) == 0 ? st.st_mode & 07777 : 0u;
  };
  ASSERT_TRUE(call("chmod", {"/data/top.txt", 0600}).ok());
  EXPECT_EQ(mode_of(t / "mnt/top.txt"), 0600u);
  EXPECT_TRUE(call("chmod", {"/data/top.txt", S_IFREG | 0640}).ok());  // type bits ignored
  EXPECT_EQ(mode_of(t / "mnt/top.txt"), 0640u);
  EXPECT_EQ(call("chmod", {"/data/missing", 0600}).code(), "ENOENT");
  EXPECT_EQ(call("chmod", {"/ro/readonly.txt", 0600}).code(), "EROFS");
  EXPECT_EQ(call("chmod", {"/srv", 0700}).code(), "EROFS");
  EXPECT_EQ(call("chmod", {"/nowhere", 0700}).code(), "ENOENT");
  int fd = open("/data/a/inner.txt", O_RDWR);
  ASSERT_TRUE(call("fchmod", {fd, 0604}).ok());
  EXPECT_EQ(mode_of(t / "mnt/a/inner.txt"), 0604u);
  // chown to the ids the file already has is allowed; -1 (as Go passes it) keeps an id.
  ASSERT_EQ(stat((t / "mnt/top.txt").c_str(), &st), 0);
  EXPECT_TRUE(call("chown", {"/data/top.txt", static_cast<double>(st.st_uid), -1}).ok());
  EXPECT_TRUE(call("lchown", {"/data/top.txt", 4294967295.0, static_cast<double>(st.st_gid)}).ok());
  EXPECT_TRUE(call("fchown", {fd, -1, -1}).ok());
  EXPECT_EQ(call("chown", {"/ro/readonly.txt", -1, -1}).code(), "EROFS");
  EXPECT_TRUE(call_throws("chown", {"/data/top.txt", 1.5, 0}).is_object());
  EXPECT_TRUE(call_throws("chmod", {"/data/top.txt", "rw"}).is_object());
  EXPECT_TRUE(fs->get("lchmod").is_undefined());
}

TEST_F(GojsFs, StdinReadWaitsOnTheLoop) {
  start();
  auto buf = u8(16);
  auto out = std::make_shared<Outcome>();
  std::vector<JsValue> args = {0, buf, 0, 16, JsValue::null()};
  args.push_back(make_function("cb", [out](const JsValue&, JsArgs a) {
    out->args.assign(a.begin(), a.end());
    return JsValue();
  }));
  fs->get("read").as_object()->call(JsValue(), args);
  std::atomic<bool> stop{true};  // one turn without waiting
  loop.run_once(&stop);
  EXPECT_TRUE(out->args.empty());  // nothing to read yet: the worker is not blocked
  EXPECT_TRUE(loop.alive());
  ASSERT_EQ(::write(in_pipe[1], "typed", 5), 5);
  while (out->args.empty() && loop.alive()) loop.run_once(nullptr);
  ASSERT_TRUE(out->ok());
  EXPECT_EQ(text(buf, out->number()), "typed");
}

TEST_F(GojsFs, NoBrokerMeansNoFiles) {
  realm.broker = nullptr;
  NodeFsConfig config;
  config.stdout_fd = out_pipe[1];
  nodefs = std::make_unique<NodeFs>(realm, config);
  fs = nodefs->make_fs_object();
  EXPECT_EQ(call("open", {"/data/top.txt", O_RDONLY, 0}).code(), "ENOENT");
  EXPECT_TRUE(call("stat", {"/"}).ok());
  EXPECT_EQ(names(call("readdir", {"/"}).value()).size(), 0u);
  EXPECT_EQ(call("write", {1, bytes("ok"), 0, 2, JsValue::null()}).number(), 2);
}

int open_host_fds() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (readdir(d) != nullptr) n++;
    closedir(d);
  }
  return n;
}

TEST_F(GojsFs, NoHostFdLeaks) {
  start();
  call("stat", {"/data"});  // loads the grants (their fds are closed at once)
  int before = open_host_fds();
  for (int i = 0; i < 5; i++) {
    call("readdir", {"/data"});
    call("readdir", {"/data/top.txt"});  // ENOTDIR after the broker opened it
    int fd = open("/data", O_RDONLY);
    call("close", {fd});
    fd = open("/", O_RDONLY);
    call("close", {fd});
    call("truncate", {"/data/top.txt", 3});
    call("open", {"/data/missing", O_RDONLY, 0});
  }
  EXPECT_EQ(open_host_fds(), before);
  EXPECT_EQ(broker->opened_dirs(), 3);
}

TEST_F(GojsFs, RelativePreopenNamesArePlacedUnderRoot) {
  broker = std::make_unique<testing::TestBroker>(
      std::vector<testing::TestBroker::Mount>{{".", t / "mnt", false}, {"ro", t / "ro", true}});
  start(1024, broker.get());
  EXPECT_TRUE(call("stat", {"/top.txt"}).ok());
  EXPECT_TRUE(call("stat", {"top.txt"}).ok());
  EXPECT_TRUE(call("stat", {"/ro/readonly.txt"}).ok());
  EXPECT_EQ(names(call("readdir", {"/"}).value()),
            (std::vector<std::string>{"a", "ro", "top.txt"}));
}

// The same operations against the real broker's session handling.
class GojsFsRealBroker : public GojsFs {
 protected:
  void start_real() {
    policy.mounts = {{t / "mnt", "/data", false}, {t / "ro", "/ro", true}};
    std::string err;
    client = broker::DirectBrokerClient::create(policy, &err);
    ASSERT_TRUE(client) << err;
    start(1024, client.get());
  }
  broker::Policy policy;
  std::unique_ptr<broker::DirectBrokerClient> client;
};

TEST_F(GojsFsRealBroker, ReadWriteAndDirectories) {
  start_real();
  int fd = open("/data/x.txt", O_CREAT | O_RDWR | O_TRUNC);
  EXPECT_EQ(call("write", {fd, bytes("abc"), 0, 3, JsValue::null()}).number(), 3);
  auto buf = u8(8);
  EXPECT_EQ(text(buf, read(fd, buf, 0, 8, 0).number()), "abc");
  call("close", {fd});
  EXPECT_EQ(names(call("readdir", {"/data"}).value()),
            (std::vector<std::string>{"a", "top.txt", "x.txt"}));
  EXPECT_TRUE(call("stat", {"/data"}).ok());
  EXPECT_TRUE(call("lstat", {"/ro"}).ok());
  fd = open("/data", O_RDONLY);
  EXPECT_TRUE(call("close", {fd}).ok());
  ASSERT_TRUE(call("mkdir", {"/data/m", 0700}).ok());
  ASSERT_TRUE(call("rename", {"/data/x.txt", "/data/m/y.txt"}).ok());
  EXPECT_EQ(read_file(t / "mnt/m/y.txt"), "abc");
}

TEST_F(GojsFsRealBroker, RefusesEscapesAndReadOnlyWrites) {
  start_real();
  ASSERT_EQ(symlink((t / "outside/secret").c_str(), (t / "mnt/abs").c_str()), 0);
  ASSERT_EQ(symlink("../outside/secret", (t / "mnt/rel").c_str()), 0);
  for (const char* path : {"/data/abs", "/data/rel"}) {
    Outcome o = call("open", {path, O_RDONLY, 0});
    EXPECT_FALSE(o.ok()) << path;
    EXPECT_NE(o.code(), "") << path;
  }
  EXPECT_FALSE(call("open", {"/ro/readonly.txt", O_WRONLY, 0}).ok());
  EXPECT_FALSE(call("mkdir", {"/ro/d", 0755}).ok());
  EXPECT_FALSE(call("unlink", {"/ro/readonly.txt"}).ok());
  int fd = open("/ro/readonly.txt", O_RDONLY);
  EXPECT_FALSE(call("ftruncate", {fd, 0}).ok());
  EXPECT_FALSE(call("futimes", {fd, 1, 1}).ok());
  EXPECT_FALSE(call("fchmod", {fd, 0600}).ok());
  EXPECT_FALSE(call("chmod", {"/ro/readonly.txt", 0600}).ok());
  EXPECT_FALSE(call("chmod", {"/data/abs", 0600}).ok());  // the link leads out of the grant
  EXPECT_EQ(read_file(t / "ro/readonly.txt"), "original");
  struct stat st;
  ASSERT_EQ(stat((t / "ro/readonly.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  ASSERT_EQ(stat((t / "outside/secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  EXPECT_TRUE(call("chmod", {"/data/top.txt", 0600}).ok());
  ASSERT_EQ(stat((t / "mnt/top.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

}  // namespace
}  // namespace wc::host::gojs
