// Reuse of read-only opens (host/wasi/open_reuse.h): a plain read-only open of a regular file
// on a read-only mount, closed and opened again, does not ask the broker again while the
// file keeps its name and the window lasts; everything else still does.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "host/wasi/wasi.h"
#include "host/wasi/wasi_abi.h"
#include "wasi_test_broker.h"

namespace wc::host::wasi {
namespace {

constexpr uint32_t kRw = 3, kRo = 4;  // the preopens: /rw (writable), /ro (read-only)

class OpenReuseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/wasi-reuse-XXXXXX";
    ASSERT_TRUE(mkdtemp(tmpl));
    root_ = tmpl;
    std::filesystem::create_directories(root_ / "rw");
    std::filesystem::create_directories(root_ / "ro" / "sub");
    write("ro/page.html", "first version");
    write("ro/sub/x.txt", "x");
    write("rw/page.html", "writable");
    broker_ = std::make_unique<testing::TestBroker>(std::vector<testing::TestBroker::Mount>{
        {"/rw", (root_ / "rw").string(), false}, {"/ro", (root_ / "ro").string(), true}});
    WasiConfig cfg;
    cfg.broker = broker_.get();
    ctx_ = std::make_unique<WasiContext>(cfg);
  }
  void TearDown() override {
    ctx_.reset();
    broker_.reset();
    std::filesystem::remove_all(root_);
  }
  void write(const std::string& rel, const std::string& text) {
    std::ofstream(root_ / rel, std::ios::trunc) << text;
  }
  // path_open(dir, path) with read rights (and fdflags); the guest fd, or ~0u with the errno.
  uint32_t open(uint32_t dir, const std::string& path, uint16_t* error = nullptr,
                uint32_t oflags = 0, uint32_t fdflags = 0) {
    std::memcpy(mem_.data() + 100, path.data(), path.size());
    bool dir_open = oflags & oflags::kDirectory;
    uint64_t base =
        dir_open ? rights::kAll : rights::kFdRead | rights::kFdSeek | rights::kFdFdstatSetFlags;
    uint16_t r = ctx_->path_open(m_, dir, 0, 100, static_cast<uint32_t>(path.size()), oflags, base,
                                 dir_open ? rights::kAll : 0, fdflags, 200);
    if (error) *error = r;
    if (r != err::kSuccess) return ~0u;
    uint32_t fd;
    std::memcpy(&fd, mem_.data() + 200, 4);
    return fd;
  }
  // Up to `n` bytes read from the guest fd's position.
  std::string read(uint32_t fd, uint32_t n = 64) {
    uint32_t iov[2] = {1024, n};
    std::memcpy(mem_.data() + 300, iov, sizeof iov);
    EXPECT_EQ(ctx_->fd_read(m_, fd, 300, 1, 400), err::kSuccess);
    uint32_t got;
    std::memcpy(&got, mem_.data() + 400, 4);
    return std::string(reinterpret_cast<char*>(mem_.data() + 1024), got);
  }
  int host_fd(uint32_t fd) { return ctx_->fds().get(fd)->host_fd; }

  std::filesystem::path root_;
  std::unique_ptr<testing::TestBroker> broker_;
  std::unique_ptr<WasiContext> ctx_;
  std::vector<uint8_t> mem_ = std::vector<uint8_t>(8192);
  GuestMemory m_{mem_.data(), mem_.size()};
};

TEST_F(OpenReuseTest, ReopenOfAReadOnlyFileSkipsTheBrokerAndStartsAtZero) {
  uint32_t fd = open(kRo, "page.html");
  ASSERT_NE(fd, ~0u);
  int host = host_fd(fd);
  EXPECT_EQ(read(fd, 5), "first");
  EXPECT_EQ(ctx_->fd_close(fd), err::kSuccess);
  EXPECT_EQ(broker_->open_calls(), 1);

  fd = open(kRo, "page.html");
  ASSERT_NE(fd, ~0u);
  EXPECT_EQ(broker_->open_calls(), 1);  // not asked again
  EXPECT_EQ(host_fd(fd), host);         // the same host fd, rewound
  EXPECT_EQ(read(fd), "first version");
  // The reused fd is the guest's as before: a read-only file, no write right.
  EXPECT_TRUE(ctx_->fds().get(fd)->read_only);
  EXPECT_EQ(ctx_->fds().get(fd)->rights_base & rights::kFdWrite, 0u);
  EXPECT_EQ(ctx_->fd_close(fd), err::kSuccess);
}

TEST_F(OpenReuseTest, OtherPathsWritableMountsAndFlagsStillAskTheBroker) {
  ctx_->fd_close(open(kRo, "page.html"));
  ctx_->fd_close(open(kRo, "sub/x.txt"));  // another path
  EXPECT_EQ(broker_->open_calls(), 2);
  ctx_->fd_close(open(kRw, "page.html"));
  ctx_->fd_close(open(kRw, "page.html"));  // a writable mount: never kept
  EXPECT_EQ(broker_->open_calls(), 4);
  // Non-blocking is another open than the plain one kept.
  ctx_->fd_close(open(kRo, "page.html", nullptr, 0, fdflags::kNonblock));
  EXPECT_EQ(broker_->open_calls(), 5);
  ctx_->fd_close(open(kRo, "page.html"));
  EXPECT_EQ(broker_->open_calls(), 5);  // the plain one is still kept
}

TEST_F(OpenReuseTest, DenialsAreNeverKept) {
  uint16_t e = 0;
  EXPECT_EQ(open(kRo, "missing.html", &e), ~0u);
  EXPECT_EQ(e, err::kNoent);
  EXPECT_EQ(open(kRo, "../rw/page.html", &e), ~0u);
  EXPECT_NE(e, err::kSuccess);
  EXPECT_EQ(open(kRo, "missing.html", &e), ~0u);
  EXPECT_EQ(broker_->open_calls(), 3);
}

TEST_F(OpenReuseTest, ConcurrentOpensGetTheirOwnFdAndOffset) {
  uint32_t a = open(kRo, "page.html");
  uint32_t b = open(kRo, "page.html");
  ASSERT_NE(a, ~0u);
  ASSERT_NE(b, ~0u);
  EXPECT_NE(host_fd(a), host_fd(b));
  EXPECT_EQ(read(a, 6), "first ");
  EXPECT_EQ(read(b, 5), "first");
  EXPECT_EQ(read(a), "version");
  ctx_->fd_close(a);
  uint32_t c = open(kRo, "page.html");  // takes a's fd back while b still reads
  EXPECT_EQ(read(c), "first version");
  EXPECT_EQ(read(b), " version");
  EXPECT_EQ(broker_->open_calls(), 2);
  ctx_->fd_close(b);
  ctx_->fd_close(c);
}

TEST_F(OpenReuseTest, ReplacedOrDeletedFilesAreSeenAtOnce) {
  ctx_->fd_close(open(kRo, "page.html"));
  // Replaced the way deployments do it: a new file renamed over the old name.
  write("ro/page.new", "second version");
  std::filesystem::rename(root_ / "ro/page.new", root_ / "ro/page.html");
  uint32_t fd = open(kRo, "page.html");
  EXPECT_EQ(read(fd), "second version");
  EXPECT_EQ(broker_->open_calls(), 2);
  ctx_->fd_close(fd);
  // Edited in place: the same file, so the kept fd reads the new bytes.
  write("ro/page.html", "third");
  fd = open(kRo, "page.html");
  EXPECT_EQ(read(fd), "third");
  EXPECT_EQ(broker_->open_calls(), 2);
  ctx_->fd_close(fd);
  // Deleted: the broker is asked and says so.
  std::filesystem::remove(root_ / "ro/page.html");
  uint16_t e = 0;
  EXPECT_EQ(open(kRo, "page.html", &e), ~0u);
  EXPECT_EQ(e, err::kNoent);
  EXPECT_EQ(broker_->open_calls(), 3);
}

TEST_F(OpenReuseTest, KeptFdsExpireAfterTheWindow) {
  ctx_->fd_close(open(kRo, "page.html"));
  std::this_thread::sleep_for(std::chrono::nanoseconds(OpenReuse::kReuseWindowNs + 20'000'000));
  ctx_->fd_close(open(kRo, "page.html"));
  EXPECT_EQ(broker_->open_calls(), 2);
}

TEST_F(OpenReuseTest, ChangedFlagsAreNotKept) {
  uint32_t fd = open(kRo, "page.html");
  EXPECT_EQ(ctx_->fd_fdstat_set_flags(fd, fdflags::kNonblock), err::kSuccess);
  ctx_->fd_close(fd);
  ctx_->fd_close(open(kRo, "page.html"));
  EXPECT_EQ(broker_->open_calls(), 2);
}

TEST_F(OpenReuseTest, ClosingTheDirectoryForgetsWhatWasKeptBeneathIt) {
  uint32_t sub = open(kRo, "sub", nullptr, oflags::kDirectory);
  ASSERT_NE(sub, ~0u);
  ctx_->fd_close(open(sub, "x.txt"));
  ctx_->fd_close(open(sub, "x.txt"));
  EXPECT_EQ(broker_->open_calls(), 2);
  EXPECT_EQ(ctx_->fd_close(sub), err::kSuccess);
  // The handle number may now name another directory: nothing kept under it survives.
  sub = open(kRo, "sub", nullptr, oflags::kDirectory);
  ctx_->fd_close(open(sub, "x.txt"));
  EXPECT_EQ(broker_->open_calls(), 4);
}

// The worker's RLIMIT_NOFILE has room for max_fds table entries and nothing besides, so a kept
// fd must never hold a host descriptor a new open needs (the kernel would drop the broker's fd:
// EIO), and a full table must say EMFILE before the broker is asked.
TEST_F(OpenReuseTest, KeptFdsGiveWayToNewOpensAndAFullTableNeverAsksTheBroker) {
  ctx_.reset();
  WasiConfig cfg;
  cfg.broker = broker_.get();
  cfg.max_fds = 40;  // stdio, /rw, /ro and 35 more
  ctx_ = std::make_unique<WasiContext>(cfg);
  for (const char* f : {"a", "b", "c", "d"}) write(std::string("ro/") + f, f);
  uint32_t a = open(kRo, "a"), b = open(kRo, "b"), c = open(kRo, "c");
  ASSERT_NE(c, ~0u);
  for (uint32_t fd : {a, b, c}) ctx_->fd_close(fd);  // all three kept (room to spare now)
  for (int i = 0; i < 32; i++) ASSERT_NE(open(kRo, "page.html"), ~0u);  // 37 entries + 3 kept
  EXPECT_EQ(broker_->open_calls(), 35);
  ASSERT_NE(open(kRo, "c"), ~0u);  // the oldest kept (a) closed to make room; c taken back
  EXPECT_EQ(broker_->open_calls(), 35);
  ASSERT_NE(open(kRo, "a"), ~0u);  // a was closed: the broker is asked
  EXPECT_EQ(broker_->open_calls(), 36);
  ASSERT_NE(open(kRo, "d"), ~0u);  // the last free entry: b, still kept, is closed for it
  EXPECT_EQ(broker_->open_calls(), 37);
  uint16_t e = 0;
  EXPECT_EQ(open(kRo, "b", &e), ~0u);  // the table is full
  EXPECT_EQ(e, err::kMfile);
  EXPECT_EQ(broker_->open_calls(), 37);  // refused before the broker
}

TEST_F(OpenReuseTest, CanBeTurnedOff) {
  ctx_.reset();
  WasiConfig cfg;
  cfg.broker = broker_.get();
  cfg.reuse_read_only_opens = false;
  ctx_ = std::make_unique<WasiContext>(cfg);
  ctx_->fd_close(open(kRo, "page.html"));
  ctx_->fd_close(open(kRo, "page.html"));
  EXPECT_EQ(broker_->open_calls(), 2);
}

}  // namespace
}  // namespace wc::host::wasi
