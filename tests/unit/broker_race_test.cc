// A directory swapped for a symlink to the outside while the broker resolves paths through
// it: openat2 resolves atomically beneath the mount, so nothing outside is ever opened,
// created or removed, however the race falls.
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "broker/direct_client.h"
#include "broker_test_util.h"

namespace wc::broker {
namespace {

TEST(BrokerRace, DirectorySwappedForSymlinkNeverEscapes) {
  wc::testing::TempDir t;
  ASSERT_EQ(mkdir((t / "mnt").c_str(), 0755), 0);
  ASSERT_EQ(mkdir((t / "mnt/d").c_str(), 0755), 0);
  wc::testing::write_file(t / "mnt/d/f", "inside");
  ASSERT_EQ(mkdir((t / "outside").c_str(), 0755), 0);
  wc::testing::write_file(t / "outside/f", "SECRET");
  // Two symlinks to the outside, one absolute and one relative, exchanged with d in turn.
  ASSERT_EQ(symlink((t / "outside").c_str(), (t / "mnt/abs").c_str()), 0);
  ASSERT_EQ(symlink("../outside", (t / "mnt/rel").c_str()), 0);
  struct stat inside, outside;
  ASSERT_EQ(stat((t / "mnt/d/f").c_str(), &inside), 0);
  ASSERT_EQ(stat((t / "outside/f").c_str(), &outside), 0);

  Policy p;
  p.mounts = {{t / "mnt", "/data", false}};
  std::string err;
  auto client = DirectBrokerClient::create(p, &err);
  ASSERT_TRUE(client) << err;

  std::atomic<bool> stop{false};
  std::atomic<long> swaps{0};
  std::thread swapper([&] {
    std::string d = t / "mnt/d";
    for (long i = 0; !stop.load(std::memory_order_relaxed); i++) {
      std::string link = t / (i % 4 < 2 ? "mnt/abs" : "mnt/rel");
      // RENAME_EXCHANGE swaps atomically: d is always there, as the directory or as a link.
      if (renameat2(AT_FDCWD, d.c_str(), AT_FDCWD, link.c_str(), RENAME_EXCHANGE) == 0) swaps++;
    }
  });

  long opened = 0, denied = 0, escaped = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  while (std::chrono::steady_clock::now() < deadline) {
    host::Opened o;
    int r = client->open(0, "d/f", O_RDONLY, 0, &o);
    if (r == 0) {
      struct stat st;
      fstat(o.fd, &st);
      if (st.st_ino != inside.st_ino || wc::testing::read_fd(o.fd) != "inside") escaped++;
      close(o.fd);
      opened++;
    } else {
      denied++;
    }
    struct stat st;
    if (client->stat(0, "d/f", true, &st) == 0 && st.st_ino == outside.st_ino) escaped++;
    if (client->mkdir(0, "d/made", 0755) == 0) client->rmdir(0, "d/made");
    if (client->open(0, "d/created", O_WRONLY | O_CREAT, 0644, &o) == 0) {
      close(o.fd);
      client->unlink(0, "d/created");
    }
    client->unlink(0, "d/f_missing");
    timespec ts[2] = {{0, UTIME_OMIT}, {1, 0}};
    client->set_times(0, "d/f", ts, true);
  }
  stop = true;
  swapper.join();

  EXPECT_EQ(escaped, 0);
  EXPECT_GT(swaps.load(), 100);
  EXPECT_GT(opened, 0);  // the race was live: some walks saw the directory...
  EXPECT_GT(denied, 0);  // ...and some the link
  // The outside is untouched: no new names, same contents and times.
  EXPECT_FALSE(wc::testing::exists(t / "outside/made"));
  EXPECT_FALSE(wc::testing::exists(t / "outside/created"));
  EXPECT_EQ(wc::testing::read_file(t / "outside/f"), "SECRET");
  struct stat after;
  ASSERT_EQ(stat((t / "outside/f").c_str(), &after), 0);
  EXPECT_EQ(after.st_mtim.tv_sec, outside.st_mtim.tv_sec);
}

}  // namespace
}  // namespace wc::broker
