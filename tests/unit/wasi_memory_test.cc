// Errno mapping, guest pointer checks (overflow-safe, nothing touched on EFAULT), and the
// broker's errno reaching the guest unchanged.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "host/wasi/errno_map.h"
#include "host/wasi/guest_memory.h"
#include "host/wasi/wasi.h"
#include "host/wasi/wasi_abi.h"

namespace wc::host::wasi {
namespace {

TEST(WasiErrno, TableValues) {
  EXPECT_EQ(errno_from_linux(0), 0);
  EXPECT_EQ(errno_from_linux(E2BIG), 1);
  EXPECT_EQ(errno_from_linux(EACCES), 2);
  EXPECT_EQ(errno_from_linux(EAGAIN), 6);
  EXPECT_EQ(errno_from_linux(EWOULDBLOCK), 6);
  EXPECT_EQ(errno_from_linux(EBADF), 8);
  EXPECT_EQ(errno_from_linux(EEXIST), 20);
  EXPECT_EQ(errno_from_linux(EFAULT), 21);
  EXPECT_EQ(errno_from_linux(EINVAL), 28);
  EXPECT_EQ(errno_from_linux(EISDIR), 31);
  EXPECT_EQ(errno_from_linux(ELOOP), 32);
  EXPECT_EQ(errno_from_linux(ENOENT), 44);
  EXPECT_EQ(errno_from_linux(ENOSYS), 52);
  EXPECT_EQ(errno_from_linux(ENOTDIR), 54);
  EXPECT_EQ(errno_from_linux(ENOTEMPTY), 55);
  EXPECT_EQ(errno_from_linux(ENOTRECOVERABLE), 56);
  EXPECT_EQ(errno_from_linux(EOPNOTSUPP), 58);
  EXPECT_EQ(errno_from_linux(EPERM), 63);
  EXPECT_EQ(errno_from_linux(EPIPE), 64);
  EXPECT_EQ(errno_from_linux(EROFS), 69);
  EXPECT_EQ(errno_from_linux(ESPIPE), 70);
  EXPECT_EQ(errno_from_linux(EXDEV), 75);
  EXPECT_EQ(errno_from_linux(-ENOENT), 44);  // broker results are negative
  EXPECT_EQ(errno_from_linux(ENOTBLK), 29);  // no WASI code: EIO
  EXPECT_STREQ(errno_name(76), "notcapable");
  EXPECT_STREQ(errno_name(0), "success");
  EXPECT_STREQ(errno_name(500), "unknown");
}

TEST(WasiGuestMemory, BoundsAreOverflowSafe) {
  std::vector<uint8_t> buf(65536);
  GuestMemory m(buf.data(), buf.size());
  EXPECT_TRUE(m.in_bounds(0, 65536));
  EXPECT_TRUE(m.in_bounds(65536, 0));
  EXPECT_FALSE(m.in_bounds(65537, 0));
  EXPECT_FALSE(m.in_bounds(65535, 2));
  EXPECT_FALSE(m.in_bounds(1, UINT64_MAX));  // ptr + len wraps in 64 bits
  EXPECT_FALSE(m.in_bounds(UINT64_MAX, 1));
  EXPECT_FALSE(m.in_bounds(0xFFFFFFFF, 0xFFFFFFFF));
  uint32_t v = 0;
  EXPECT_FALSE(m.load(65533, &v));
  EXPECT_TRUE(m.load(65532, &v));
  EXPECT_FALSE(m.store<uint64_t>(65532, 1));
  GuestMemory none;
  EXPECT_FALSE(none.range(0, 1));
  EXPECT_TRUE(none.in_bounds(0, 0));
}

TEST(WasiGuestMemory, IovecsAreCheckedWhole) {
  std::vector<uint8_t> buf(65536);
  GuestMemory m(buf.data(), buf.size());
  auto put = [&](uint32_t at, uint32_t p, uint32_t l) {
    std::memcpy(&buf[at], &p, 4);
    std::memcpy(&buf[at + 4], &l, 4);
  };
  std::vector<struct iovec> v;
  put(0, 100, 10);
  put(8, 200, 20);
  EXPECT_EQ(gather_iovecs(m, 0, 2, &v), err::kSuccess);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[1].iov_base, buf.data() + 200);
  EXPECT_EQ(gather_iovecs(m, 65530, 1, &v), err::kFault);       // the array leaves memory
  EXPECT_EQ(gather_iovecs(m, 0, 0x20000000, &v), err::kFault);  // 8 * len overflows 32 bits
  put(8, 65530, 7);
  EXPECT_EQ(gather_iovecs(m, 0, 2, &v), err::kFault);  // one buffer crosses the end
  put(8, 0xFFFFFFF0, 0x20);
  EXPECT_EQ(gather_iovecs(m, 0, 2, &v), err::kFault);  // buf + len wraps in 32 bits
  put(8, 65536, 0);
  EXPECT_EQ(gather_iovecs(m, 0, 2, &v), err::kSuccess);  // empty buffer at the very end
  put(8, 65537, 0);
  EXPECT_EQ(gather_iovecs(m, 0, 2, &v), err::kFault);
}

TEST(WasiGuestMemory, Paths) {
  std::vector<uint8_t> buf(1024);
  GuestMemory m(buf.data(), buf.size());
  std::string_view p;
  std::memcpy(&buf[10], "a/b\0c", 5);
  EXPECT_EQ(read_path(m, 10, 3, &p), err::kSuccess);
  EXPECT_EQ(p, "a/b");
  EXPECT_EQ(read_path(m, 10, 5, &p), err::kInval);  // embedded NUL
  EXPECT_EQ(read_path(m, 1020, 5, &p), err::kFault);
  std::memcpy(&buf[20], "\xC0\xAF", 2);  // overlong '/'
  EXPECT_EQ(read_path(m, 20, 2, &p), err::kIlseq);
  EXPECT_TRUE(is_valid_utf8("h\xC3\xA9llo \xF0\x9F\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));  // surrogate
  EXPECT_FALSE(is_valid_utf8("\xF0\x9F\x98"));  // cut short
}

// A write whose out-pointer is bad must not write a byte.
TEST(WasiGuestMemory, BadOutPointerHasNoSideEffect) {
  int p[2];
  ASSERT_EQ(pipe2(p, O_NONBLOCK), 0);
  WasiConfig cfg;
  cfg.stdin_fd = -1;
  cfg.stdout_fd = p[1];
  cfg.stderr_fd = -1;
  WasiContext ctx(cfg);
  std::vector<uint8_t> buf(65536);
  GuestMemory m(buf.data(), buf.size());
  uint32_t iov[2] = {100, 5};
  std::memcpy(&buf[0], iov, 8);
  std::memcpy(&buf[100], "hello", 5);
  EXPECT_EQ(ctx.fd_write(m, 1, 0, 1, 65534), err::kFault);
  char c;
  EXPECT_EQ(read(p[0], &c, 1), -1);  // nothing was written
  EXPECT_EQ(ctx.fd_write(m, 1, 0, 1, 50), err::kSuccess);
  EXPECT_EQ(buf[50], 5);
  EXPECT_EQ(ctx.fd_write(m, 0, 0, 1, 50), err::kBadf);  // stdin closed
  EXPECT_EQ(ctx.args_sizes_get(m, 65535, 0), err::kFault);
  EXPECT_EQ(ctx.clock_time_get(m, 1, 0, 65529), err::kFault);
  EXPECT_EQ(ctx.clock_time_get(m, 9, 0, 0), err::kInval);
  EXPECT_EQ(ctx.random_get(m, 65000, 1000), err::kFault);
  EXPECT_EQ(ctx.poll_oneoff(m, 0, 65536 - 31, 1, 0), err::kFault);
  EXPECT_EQ(ctx.poll_oneoff(m, 0, 100, 0, 0), err::kInval);
  close(p[0]);
  close(p[1]);
}

// Whatever the broker says reaches the guest, mapped 1:1.
class RefusingBroker : public BrokerClient {
 public:
  explicit RefusingBroker(int e) : e_(e) {}
  std::vector<Preopen> preopens() override { return {{"/", 7, -1, false}}; }
  int open(DirHandle, std::string_view p, int, uint32_t, Opened*) override {
    last_path = std::string(p);
    return -e_;
  }
  int close_dir(DirHandle) override { return 0; }
  int stat(DirHandle, std::string_view, bool, struct stat*) override { return -e_; }
  int mkdir(DirHandle, std::string_view, uint32_t) override { return -e_; }
  int rmdir(DirHandle, std::string_view) override { return -e_; }
  int unlink(DirHandle, std::string_view) override { return -e_; }
  int rename(DirHandle, std::string_view, DirHandle, std::string_view) override { return -e_; }
  int link(DirHandle, std::string_view, DirHandle, std::string_view, bool) override { return -e_; }
  int symlink(std::string_view, DirHandle, std::string_view) override { return -e_; }
  int readlink(DirHandle, std::string_view, std::string*) override { return -e_; }
  int set_times(DirHandle, std::string_view, const struct timespec[2], bool) override {
    return -e_;
  }
  int fd_set_times(int, const struct timespec[2]) override { return -e_; }
  int fd_set_size(int, uint64_t) override { return -e_; }
  std::string last_path;

 private:
  int e_;
};

TEST(WasiBrokerErrno, PassedThrough) {
  for (int e : {EACCES, EPERM, ENOTRECOVERABLE, EXDEV, ELOOP}) {
    RefusingBroker broker(e);
    WasiConfig cfg;
    cfg.broker = &broker;
    WasiContext ctx(cfg);
    std::vector<uint8_t> buf(4096);
    GuestMemory m(buf.data(), buf.size());
    std::memcpy(&buf[100], "/etc/passwd", 11);
    uint16_t want = errno_from_linux(e);
    EXPECT_EQ(ctx.path_open(m, 3, 0, 100, 11, 0, rights::kFdRead, 0, 0, 200), want);
    EXPECT_EQ(broker.last_path, "/etc/passwd");  // not rewritten: the broker decides
    EXPECT_EQ(ctx.path_create_directory(m, 3, 100, 3), want);
    EXPECT_EQ(ctx.path_unlink_file(m, 3, 100, 3), want);
    EXPECT_EQ(ctx.path_remove_directory(m, 3, 100, 3), want);
    EXPECT_EQ(ctx.path_filestat_get(m, 3, 1, 100, 3, 300), want);
    EXPECT_EQ(ctx.path_rename(m, 3, 100, 3, 3, 100, 4), want);
    EXPECT_EQ(ctx.path_link(m, 3, 0, 100, 3, 3, 100, 4), want);
    EXPECT_EQ(ctx.path_symlink(m, 100, 3, 3, 100, 4), want);
    EXPECT_EQ(ctx.path_readlink(m, 3, 100, 3, 300, 10, 400), want);
    EXPECT_EQ(ctx.path_filestat_set_times(m, 3, 0, 100, 3, 0, 0, fstflags::kMtimNow), want);
    // Bad guest pointers fail before the broker is asked.
    EXPECT_EQ(ctx.path_open(m, 3, 0, 4090, 11, 0, 0, 0, 0, 200), err::kFault);
    EXPECT_EQ(ctx.path_open(m, 3, 0, 100, 11, 0, 0, 0, 0, 4093), err::kFault);
    EXPECT_EQ(ctx.path_open(m, 3, 0, 100, 11, 0x10, 0, 0, 0, 200), err::kInval);
  }
}

}  // namespace
}  // namespace wc::host::wasi
