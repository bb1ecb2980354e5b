// A container's capped log (daemon/container_log.h, `serve --log-max-bytes`): at the cap the
// live file becomes the one rotated file, offsets stay logical across rotations and daemon
// restarts, reads cross the boundary between the two files, and `logs --tail N` finds its
// lines on both sides of it.
#include "daemon/container_log.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace {

using wc::daemon::ContainerLog;

class ContainerLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/wc-containerlog.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/log";
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string slurp(const std::string& p) const {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  bool exists(const std::string& p) const {
    struct stat st;
    return stat(p.c_str(), &st) == 0;
  }
  std::set<std::string> files() const {
    std::set<std::string> out;
    if (DIR* d = opendir(dir_.c_str())) {
      while (struct dirent* e = readdir(d))
        if (e->d_name[0] != '.') out.insert(e->d_name);
      closedir(d);
    }
    return out;
  }
  // Everything kept on disk, oldest first.
  std::string kept() const { return slurp(path_ + ".1") + slurp(path_); }
  // Appends "line N\n" for N in [from, to) one line per append; returns what was written.
  static std::string lines(ContainerLog& log, int from, int to, int* rotations = nullptr) {
    std::string all;
    for (int i = from; i < to; i++) {
      std::string l = "line " + std::to_string(i) + "\n";
      if (log.append(l) && rotations) ++*rotations;
      all += l;
    }
    return all;
  }

  std::string dir_, path_;
};

TEST_F(ContainerLogTest, BelowTheCapThereIsOneFileAndNothingRotates) {
  ContainerLog log;
  log.configure(path_, 1000, 0);
  int rotations = 0;
  std::string written = lines(log, 0, 50, &rotations);
  ASSERT_LT(written.size(), 1000u);
  EXPECT_EQ(rotations, 0);
  EXPECT_EQ(files(), std::set<std::string>{"log"});
  EXPECT_EQ(slurp(path_), written);
  EXPECT_EQ(log.begin(), 0u);
  EXPECT_EQ(log.end(), written.size());
  uint64_t start = 99;
  EXPECT_EQ(log.read(0, 1 << 20, &start), written);
  EXPECT_EQ(start, 0u);
}

TEST_F(ContainerLogTest, AtTheCapTheLogRotatesIntoOneOlderFileAndNoMore) {
  ContainerLog log;
  log.configure(path_, 100, 0);
  int rotations = 0;
  std::string written = lines(log, 0, 300, &rotations);  // about 2.6 KB through a 100-byte cap
  EXPECT_GE(rotations, 20);
  // Only `log` and `log.1`, each at most the cap: never more than twice the cap on disk.
  EXPECT_EQ(files(), (std::set<std::string>{"log", "log.1"}));
  EXPECT_LE(slurp(path_).size(), 100u);
  EXPECT_EQ(slurp(path_ + ".1").size(), 100u);  // a full file rotated at exactly the cap
  // What is kept is the newest part of what was written; the rest is counted as dropped.
  std::string k = kept();
  ASSERT_FALSE(k.empty());
  EXPECT_EQ(k, written.substr(written.size() - k.size()));
  EXPECT_EQ(log.dropped(), written.size() - k.size());
  EXPECT_EQ(log.begin(), log.dropped());
  EXPECT_EQ(log.end(), written.size());
}

TEST_F(ContainerLogTest, OneWriteLargerThanBothFilesKeepsItsNewestBytes) {
  ContainerLog log;
  log.configure(path_, 100, 0);
  std::string big;
  for (int i = 0; i < 1000; i++) big += static_cast<char>('a' + i % 26);
  EXPECT_TRUE(log.append(big));
  EXPECT_EQ(files(), (std::set<std::string>{"log", "log.1"}));
  EXPECT_EQ(kept(), big.substr(800));
  EXPECT_EQ(log.begin(), 800u);
  EXPECT_EQ(log.end(), 1000u);
}

TEST_F(ContainerLogTest, ReadingFromTheStartAfterRotationGivesTheOldestByteKept) {
  ContainerLog log;
  log.configure(path_, 64, 0);
  std::string written = lines(log, 0, 100);
  uint64_t start = 0;
  std::string got = log.read(0, 1 << 20, &start);  // offset 0 was rotated away long ago
  EXPECT_EQ(start, log.begin());
  EXPECT_GT(start, 0u);
  EXPECT_EQ(got, kept());
  EXPECT_EQ(start + got.size(), log.end());
}

TEST_F(ContainerLogTest, LogsShowsTheNewestLinesAfterRotation) {
  ContainerLog log;
  log.configure(path_, 64, 0);
  std::string written = lines(log, 0, 100);
  // As the client reads `logs`: from 0, a chunk at a time, each from where the last ended.
  std::string shown;
  uint64_t at = 0, start = 0;
  for (;;) {
    std::string chunk = log.read(at, 16, &start);
    if (chunk.empty()) break;
    EXPECT_EQ(start, shown.empty() ? log.begin() : at);
    shown += chunk;
    at = start + chunk.size();
  }
  EXPECT_EQ(at, log.end());
  EXPECT_EQ(shown, kept());
  ASSERT_GE(shown.size(), std::string("line 99\n").size());
  EXPECT_EQ(shown.substr(shown.size() - 8), "line 99\n");  // the newest line comes last
}

TEST_F(ContainerLogTest, ReadCrossesTheRotationBoundary) {
  ContainerLog log;
  log.configure(path_, 64, 0);
  std::string written = lines(log, 0, 40);
  std::string older = slurp(path_ + ".1"), newer = slurp(path_);
  ASSERT_FALSE(older.empty());
  ASSERT_FALSE(newer.empty());
  // The last 5 bytes of log.1 and the first 5 of log, in one read.
  uint64_t boundary = log.begin() + older.size(), start = 0;
  std::string got = log.read(boundary - 5, 10, &start);
  EXPECT_EQ(start, boundary - 5);
  EXPECT_EQ(got, older.substr(older.size() - 5) + newer.substr(0, 5));
  EXPECT_EQ(got, written.substr(written.size() - newer.size() - 5, 10));
}

TEST_F(ContainerLogTest, TailFindsItsLinesOnBothSidesOfTheRotation) {
  ContainerLog log;
  log.configure(path_, 64, 0);
  // "line NN\n" is 8 bytes: lines 10..17 fill a file, so line 18 starts a new `log` and the
  // last three lines (16, 17, 18) lie in log.1 (16, 17) and log (18).
  lines(log, 10, 19);
  ASSERT_EQ(slurp(path_), "line 18\n");
  uint64_t start = 0;
  std::string got = log.tail(3, 1 << 20, &start);
  EXPECT_EQ(got, "line 16\nline 17\nline 18\n");
  EXPECT_EQ(start + got.size(), log.end());
  EXPECT_EQ(log.tail(1, 1 << 20, &start), "line 18\n");
  EXPECT_EQ(start, log.end() - 8);
}

TEST_F(ContainerLogTest, TailOfALineSplitByTheRotationIsTheWholeLine) {
  ContainerLog log;
  log.configure(path_, 64, 0);
  log.append(std::string(60, 'a') + "\n");
  log.append("the line the cap cuts in two\n");  // 3 bytes in log.1, the rest in log
  ASSERT_TRUE(exists(path_ + ".1"));
  EXPECT_EQ(slurp(path_ + ".1").size(), 64u);
  uint64_t start = 0;
  EXPECT_EQ(log.tail(1, 1 << 20, &start), "the line the cap cuts in two\n");
  EXPECT_EQ(start, 61u);
}

TEST_F(ContainerLogTest, TailEdgeCases) {
  ContainerLog log;
  log.configure(path_, 64, 0);
  lines(log, 0, 30);
  uint64_t start = 0;
  // More lines than kept: everything kept, from the oldest byte (maybe mid-line).
  EXPECT_EQ(log.tail(1000, 1 << 20, &start), kept());
  EXPECT_EQ(start, log.begin());
  // Zero lines: nothing, and the offset to follow from is the end.
  EXPECT_EQ(log.tail(0, 1 << 20, &start), "");
  EXPECT_EQ(start, log.end());
  // A last line without its newline counts as a line.
  log.append("partial");
  EXPECT_EQ(log.tail(2, 1 << 20, &start), "line 29\npartial");
  // The window bounds what is searched: "29\npartial" holds a cut line, which is left out.
  EXPECT_EQ(log.tail(5, 10, &start), "partial");
  EXPECT_EQ(start, log.end() - 7);
  // A window that starts right after a line end has no cut line: "line 29\npartial" is whole.
  EXPECT_EQ(log.tail(5, 15, &start), "line 29\npartial");
  // A window with no line end at all is returned as it is.
  EXPECT_EQ(log.tail(5, 4, &start), "tial");
}

TEST_F(ContainerLogTest, OffsetsSurviveADaemonRestart) {
  uint64_t dropped = 0, end = 0;
  std::string before;
  {
    ContainerLog log;
    log.configure(path_, 64, 0);
    before = lines(log, 0, 20);
    dropped = log.dropped();  // what the daemon persists with the container's state
    end = log.end();
  }
  ASSERT_GT(dropped, 0u);
  ContainerLog log;  // a new daemon: sizes from the files, dropped from the state dir
  log.configure(path_, 64, dropped);
  EXPECT_EQ(log.begin(), dropped);
  EXPECT_EQ(log.end(), end);
  uint64_t start = 0;
  EXPECT_EQ(log.read(end - 8, 8, &start), "line 19\n");
  std::string after = lines(log, 20, 30);
  EXPECT_EQ(log.end(), end + after.size());
  EXPECT_EQ(log.tail(2, 1 << 20, &start), "line 28\nline 29\n");
  std::string all = before + after;
  EXPECT_EQ(kept(), all.substr(all.size() - kept().size()));
  EXPECT_EQ(log.dropped(), all.size() - kept().size());
}

TEST_F(ContainerLogTest, AStaleOffsetReadsFromTheOldestByteKept) {
  ContainerLog log;
  log.configure(path_, 64, 0);
  lines(log, 0, 4);
  uint64_t reader = log.end();  // a follower got this offset...
  lines(log, 4, 50);            // ...then the guest wrote enough to rotate it away
  ASSERT_GT(log.begin(), reader);
  uint64_t start = 0;
  std::string got = log.read(reader, 1 << 20, &start);
  EXPECT_EQ(start, log.begin());
  EXPECT_EQ(got, kept());
  // And an offset past the end reads nothing, at the end.
  EXPECT_EQ(log.read(log.end() + 100, 10, &start), "");
  EXPECT_EQ(start, log.end());
}

TEST_F(ContainerLogTest, ACapOfZeroNeverRotates) {
  ContainerLog log;
  log.configure(path_, 0, 0);
  int rotations = 0;
  std::string written = lines(log, 0, 500, &rotations);
  EXPECT_EQ(rotations, 0);
  EXPECT_EQ(files(), std::set<std::string>{"log"});
  EXPECT_EQ(slurp(path_), written);
}

}  // namespace

namespace {

int open_fds() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (readdir(d) != nullptr) n++;
    closedir(d);
  }
  return n;
}

// An idle log gives its descriptor back and reopens on the next append, with its offsets, its
// size (so the cap still holds) and its rotation unchanged.
TEST_F(ContainerLogTest, AnIdleLogClosesItsFileAndReopensWhereItWas) {
  ContainerLog log;
  log.configure(path_, 100, 0);
  std::string first = lines(log, 0, 5);  // 35 bytes
  int with_file = open_fds();
  log.close_if_idle(3600);  // written just now: stays open
  EXPECT_EQ(open_fds(), with_file);
  log.close_if_idle(0);
  EXPECT_EQ(open_fds(), with_file - 1);
  int rotations = 0;
  std::string second = lines(log, 5, 20, &rotations);  // past the cap of 100 bytes
  EXPECT_EQ(rotations, 1);
  EXPECT_EQ(log.end(), first.size() + second.size());
  EXPECT_EQ(kept(), (first + second).substr(log.begin()));
}

}  // namespace
