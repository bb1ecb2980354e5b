// The daemon's module cache (daemon/module_cache.h): one sealed memfd per module content,
// served again without a copy; a changed file is a new entry; limits evict least recently used.
#include "daemon/module_cache.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace {

using wc::daemon::ModuleCache;
using wc::ipc::UniqueFd;

class ModuleCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/wc-modcache.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { (void)!std::system(("rm -rf " + dir_).c_str()); }

  // Writes `content` to dir/name (truncating what was there).
  std::string write(const std::string& name, const std::string& content) {
    std::string p = dir_ + "/" + name;
    std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
    return p;
  }
  static ino_t inode(const UniqueFd& fd) {
    struct stat st;
    EXPECT_EQ(fstat(fd.get(), &st), 0);
    return st.st_ino;
  }
  static std::string read_all(const UniqueFd& fd) {
    std::string s(4096, '\0');
    ssize_t n = pread(fd.get(), s.data(), s.size(), 0);
    s.resize(n > 0 ? static_cast<size_t>(n) : 0);
    return s;
  }

  std::string dir_;
};

TEST_F(ModuleCacheTest, SecondOpenOfAnUnchangedFileSharesTheMemfdWithoutHashing) {
  ModuleCache cache(64, 1 << 20, /*racy_seconds=*/0);  // every file is "still" at once
  std::string p = write("a.wasm", "first module bytes");
  uint64_t size1 = 0, size2 = 0;
  std::string sha1, sha2, error;
  UniqueFd a = cache.open(p, &size1, &sha1, &error);
  ASSERT_TRUE(a.valid()) << error;
  UniqueFd b = cache.open(p, &size2, &sha2, &error);
  ASSERT_TRUE(b.valid()) << error;
  EXPECT_EQ(cache.misses, 1u);
  EXPECT_EQ(cache.hits, 1u);
  EXPECT_EQ(cache.hashes, 1u);  // the second open trusted the file's identity
  EXPECT_EQ(cache.entries(), 1u);
  EXPECT_EQ(inode(a), inode(b));  // the same memfd, not a copy
  EXPECT_NE(a.get(), b.get());
  EXPECT_EQ(size1, 18u);
  EXPECT_EQ(size2, 18u);
  EXPECT_EQ(sha1, sha2);
  // SHA-256("first module bytes"), computed independently with sha256sum.
  EXPECT_EQ(sha1, "48e45d38d8ac519c9d978944dd654fe87642b82652b11dbd867a96459ebc139a");
  EXPECT_EQ(read_all(b), "first module bytes");
  // Sealed and read-only: neither descriptor can change what the other reads.
  EXPECT_LT(::write(b.get(), "x", 1), 0);
  int seals = fcntl(a.get(), F_GET_SEALS);
  EXPECT_TRUE(seals & F_SEAL_WRITE);
  EXPECT_TRUE(seals & F_SEAL_SHRINK);
  EXPECT_TRUE(seals & F_SEAL_GROW);
}

TEST_F(ModuleCacheTest, RacyFileIsRehashedButStillSharesTheMemfd) {
  ModuleCache cache(64, 1 << 20, /*racy_seconds=*/3600);  // a file is never still enough
  std::string p = write("a.wasm", "bytes");
  uint64_t size = 0;
  std::string sha, error;
  UniqueFd a = cache.open(p, &size, &sha, &error);
  UniqueFd b = cache.open(p, &size, &sha, &error);
  ASSERT_TRUE(a.valid() && b.valid()) << error;
  EXPECT_EQ(cache.hashes, 2u);  // its times could not vouch for it: read again
  EXPECT_EQ(cache.misses, 1u);
  EXPECT_EQ(cache.hits, 1u);  // same bytes: the fresh copy was dropped
  EXPECT_EQ(inode(a), inode(b));
}

TEST_F(ModuleCacheTest, ChangedFileIsANewEntry) {
  ModuleCache cache(64, 1 << 20, 0);
  std::string p = write("a.wasm", "version one");
  uint64_t size = 0;
  std::string sha1, sha2, error;
  UniqueFd a = cache.open(p, &size, &sha1, &error);
  ASSERT_TRUE(a.valid()) << error;
  write("a.wasm", "version two, longer");
  UniqueFd b = cache.open(p, &size, &sha2, &error);
  ASSERT_TRUE(b.valid()) << error;
  EXPECT_NE(sha1, sha2);
  EXPECT_NE(inode(a), inode(b));
  EXPECT_EQ(cache.misses, 2u);
  EXPECT_EQ(cache.entries(), 2u);
  EXPECT_EQ(size, 19u);
  EXPECT_EQ(read_all(b), "version two, longer");
  EXPECT_EQ(read_all(a), "version one");  // the running container's bytes did not move

  // The same content under another name: one entry, the same memfd.
  std::string q = write("copy.wasm", "version two, longer");
  std::string sha3;
  UniqueFd c = cache.open(q, &size, &sha3, &error);
  ASSERT_TRUE(c.valid()) << error;
  EXPECT_EQ(sha3, sha2);
  EXPECT_EQ(inode(c), inode(b));
  EXPECT_EQ(cache.entries(), 2u);
}

TEST_F(ModuleCacheTest, LimitsEvictLeastRecentlyUsed) {
  ModuleCache cache(/*max_entries=*/2, /*max_bytes=*/100, 0);
  uint64_t size = 0;
  std::string sha, error;
  std::string a = write("a", "aaaa"), b = write("b", "bbbb"), c = write("c", "cccc");
  ASSERT_TRUE(cache.open(a, &size, &sha, &error).valid());
  ASSERT_TRUE(cache.open(b, &size, &sha, &error).valid());
  ASSERT_TRUE(cache.open(a, &size, &sha, &error).valid());  // a is now the most recent
  ASSERT_TRUE(cache.open(c, &size, &sha, &error).valid());  // evicts b
  EXPECT_EQ(cache.entries(), 2u);
  EXPECT_EQ(cache.evictions, 1u);
  EXPECT_EQ(cache.bytes(), 8u);
  uint64_t misses = cache.misses;
  ASSERT_TRUE(cache.open(a, &size, &sha, &error).valid());
  EXPECT_EQ(cache.misses, misses);  // a stayed
  ASSERT_TRUE(cache.open(b, &size, &sha, &error).valid());
  EXPECT_EQ(cache.misses, misses + 1);  // b was gone

  // Bytes: a module larger than the whole budget is served but never kept.
  std::string big = write("big", std::string(200, 'x'));
  UniqueFd fd = cache.open(big, &size, &sha, &error);
  ASSERT_TRUE(fd.valid()) << error;
  EXPECT_EQ(size, 200u);
  EXPECT_LE(cache.bytes(), 100u);
  EXPECT_EQ(read_all(fd), std::string(200, 'x'));
}

TEST_F(ModuleCacheTest, BadPathsAreClearErrors) {
  ModuleCache cache;
  uint64_t size = 0;
  std::string sha, error;
  EXPECT_FALSE(cache.open(dir_ + "/missing.wasm", &size, &sha, &error).valid());
  EXPECT_NE(error.find("cannot open module"), std::string::npos) << error;
  EXPECT_FALSE(cache.open(dir_, &size, &sha, &error).valid());
  EXPECT_NE(error.find("not a regular file"), std::string::npos) << error;
  EXPECT_EQ(cache.entries(), 0u);
}

}  // namespace
