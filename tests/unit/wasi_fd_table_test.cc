// FdTable bookkeeping and WasiContext's fd lifecycle (preopens, close, renumber, rights).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "host/wasi/fd_table.h"
#include "host/wasi/wasi.h"
#include "host/wasi/wasi_abi.h"
#include "wasi_test_broker.h"

namespace wc::host::wasi {
namespace {

FdEntry entry(int host_fd) {
  FdEntry e;
  e.host_fd = host_fd;
  return e;
}

TEST(WasiFdTable, LowestFreeNumberFirst) {
  FdTable t(8);
  EXPECT_EQ(t.insert(entry(10)), 0u);
  EXPECT_EQ(t.insert(entry(11)), 1u);
  EXPECT_EQ(t.insert(entry(12)), 2u);
  ASSERT_TRUE(t.remove(1));
  EXPECT_EQ(t.insert(entry(13)), 1u);
  EXPECT_EQ(t.get(1)->host_fd, 13);
  EXPECT_EQ(t.insert(entry(14)), 3u);
  EXPECT_EQ(t.open_count(), 4u);
}

TEST(WasiFdTable, FullTableRefuses) {
  FdTable t(2);
  EXPECT_TRUE(t.insert(entry(1)));
  EXPECT_TRUE(t.insert(entry(2)));
  EXPECT_FALSE(t.insert(entry(3)));
  EXPECT_FALSE(t.get(2));
  EXPECT_FALSE(t.get(UINT32_MAX));
}

TEST(WasiFdTable, RemoveUnknownIsNothing) {
  FdTable t;
  EXPECT_FALSE(t.remove(0));
  EXPECT_FALSE(t.remove(UINT32_MAX));
}

TEST(WasiFdTable, RenumberNeedsBothOpen) {
  FdTable t;
  t.insert(entry(10));
  t.insert(entry(11));
  std::optional<FdEntry> displaced;
  EXPECT_FALSE(t.renumber(0, 5, &displaced));  // target not open: EBADF, as wasmtime
  EXPECT_FALSE(t.renumber(5, 0, &displaced));
  EXPECT_TRUE(t.renumber(0, 0, &displaced));  // onto itself: nothing happens
  EXPECT_FALSE(displaced);
  EXPECT_EQ(t.get(0)->host_fd, 10);
  EXPECT_TRUE(t.renumber(0, 1, &displaced));
  ASSERT_TRUE(displaced);
  EXPECT_EQ(displaced->host_fd, 11);
  EXPECT_FALSE(t.get(0));
  EXPECT_EQ(t.get(1)->host_fd, 10);
}

// WasiContext over a TestBroker with two mounts.
class WasiContextFds : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/wasi-fd-XXXXXX";
    ASSERT_TRUE(mkdtemp(tmpl));
    root_ = tmpl;
    std::filesystem::create_directory(root_ / "a");
    std::filesystem::create_directory(root_ / "b");
    broker_ = std::make_unique<testing::TestBroker>(std::vector<testing::TestBroker::Mount>{
        {"/a", (root_ / "a").string(), false}, {"/b", (root_ / "b").string(), true}});
    WasiConfig cfg;
    cfg.broker = broker_.get();
    cfg.stdin_fd = stdin_fd_;
    ctx_ = std::make_unique<WasiContext>(cfg);
  }
  void TearDown() override {
    ctx_.reset();
    broker_.reset();
    std::filesystem::remove_all(root_);
  }
  std::filesystem::path root_;
  std::unique_ptr<testing::TestBroker> broker_;
  std::unique_ptr<WasiContext> ctx_;
  int stdin_fd_ = 0;
};

class WasiContextNoStdin : public WasiContextFds {
 protected:
  void SetUp() override {
    stdin_fd_ = -1;
    WasiContextFds::SetUp();
  }
};

TEST_F(WasiContextNoStdin, PreopensStillStartAtThree) {
  EXPECT_FALSE(ctx_->fds().get(0));
  EXPECT_EQ(ctx_->fds().get(3)->preopen_name, "/a");
}

TEST_F(WasiContextFds, PreopensStartAtThree) {
  ASSERT_TRUE(ctx_->fds().get(0));
  EXPECT_FALSE(ctx_->fds().get(0)->owns_host_fd);  // stdio is borrowed
  ASSERT_TRUE(ctx_->fds().get(3));
  EXPECT_EQ(ctx_->fds().get(3)->preopen_name, "/a");
  EXPECT_TRUE(ctx_->fds().get(4)->read_only);
  EXPECT_FALSE(ctx_->fds().get(5));
}

TEST_F(WasiContextFds, ClosingAPreopenReleasesItsHandle) {
  EXPECT_EQ(broker_->opened_dirs(), 2);
  EXPECT_EQ(ctx_->fd_close(3), err::kSuccess);
  EXPECT_EQ(broker_->opened_dirs(), 1);
  EXPECT_EQ(ctx_->fd_close(3), err::kBadf);
  // The number is free again; whatever lands there is not a preopen.
  std::vector<uint8_t> mem(4096);
  GuestMemory m(mem.data(), mem.size());
  std::memcpy(mem.data() + 100, ".", 1);
  EXPECT_EQ(
      ctx_->path_open(m, 4, 0, 100, 1, oflags::kDirectory, rights::kAll, rights::kAll, 0, 200),
      err::kSuccess);
  uint32_t fd;
  std::memcpy(&fd, mem.data() + 200, 4);
  EXPECT_EQ(fd, 3u);
  EXPECT_EQ(ctx_->fd_prestat_get(m, 3, 300), err::kBadf);
  EXPECT_TRUE(ctx_->fds().get(3)->read_only);  // it came from the read-only mount
}

TEST_F(WasiContextFds, RenumberOverAPreopenDropsIt) {
  EXPECT_EQ(ctx_->fd_renumber(4, 3), err::kSuccess);  // /b now sits at 3, /a is closed
  EXPECT_EQ(broker_->opened_dirs(), 1);
  EXPECT_EQ(ctx_->fds().get(3)->preopen_name, "/b");
  EXPECT_FALSE(ctx_->fds().get(4));
  EXPECT_EQ(ctx_->fd_renumber(3, 9), err::kBadf);
}

TEST_F(WasiContextFds, RightsOnlyNarrow) {
  EXPECT_EQ(ctx_->fd_fdstat_set_rights(3, rights::kPathOpen, rights::kFdRead), err::kSuccess);
  EXPECT_EQ(ctx_->fd_fdstat_set_rights(3, rights::kPathOpen | rights::kFdWrite, rights::kFdRead),
            err::kNotcapable);
  EXPECT_EQ(ctx_->fd_fdstat_set_rights(3, rights::kPathOpen, rights::kFdRead | rights::kFdWrite),
            err::kNotcapable);
  std::vector<uint8_t> mem(4096);
  GuestMemory m(mem.data(), mem.size());
  std::memcpy(mem.data() + 100, "f", 1);
  // Asking for more than the directory passes down is refused before the broker is asked.
  EXPECT_EQ(ctx_->path_open(m, 3, 0, 100, 1, oflags::kCreat, rights::kFdWrite, 0, 0, 200),
            err::kNotcapable);  // also lacks path_create_file
  EXPECT_EQ(ctx_->path_open(m, 3, 0, 100, 1, 0, rights::kFdRead | rights::kFdWrite, 0, 0, 200),
            err::kNotcapable);
}

// Running out of fds is said once on the notice fd (the guest's stderr), with the flag.
TEST(FdTable, FullSaysSoOnce) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  FdTable t(2);
  t.set_notice_fd(p[1]);
  EXPECT_TRUE(t.insert(FdEntry{}).has_value());
  EXPECT_FALSE(t.full());
  EXPECT_TRUE(t.insert(FdEntry{}).has_value());
  EXPECT_FALSE(t.insert(FdEntry{}).has_value());
  EXPECT_TRUE(t.full());
  EXPECT_FALSE(t.insert(FdEntry{}).has_value());
  close(p[1]);
  std::string said;
  char buf[512];
  for (ssize_t n; (n = read(p[0], buf, sizeof buf)) > 0;) said.append(buf, static_cast<size_t>(n));
  close(p[0]);
  EXPECT_EQ(std::count(said.begin(), said.end(), '\n'), 1) << said;
  EXPECT_NE(said.find("all 2 of its file descriptors"), std::string::npos) << said;
  EXPECT_NE(said.find("--max-fds"), std::string::npos) << said;
}

}  // namespace
}  // namespace wc::host::wasi
