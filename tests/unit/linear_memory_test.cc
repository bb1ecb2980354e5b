#include "engine/runtime/linear_memory.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "engine/types.h"

namespace wc::engine {
namespace {

// Permissions ("rw-p", "---p", ...) of the mapping containing `addr`, from /proc/self/maps, so
// the test can check protection without touching (and faulting on) the page.
std::string perms_at(const void* addr) {
  auto a = reinterpret_cast<uintptr_t>(addr);
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    std::istringstream in(line);
    std::string range, perms;
    in >> range >> perms;
    auto dash = range.find('-');
    uintptr_t lo = std::stoull(range.substr(0, dash), nullptr, 16);
    uintptr_t hi = std::stoull(range.substr(dash + 1), nullptr, 16);
    if (a >= lo && a < hi) return perms;
  }
  return "unmapped";
}

TEST(LinearMemory, InitCommitsInitialPages) {
  LinearMemory mem;
  ASSERT_TRUE(mem.init(2, std::nullopt));
  ASSERT_NE(mem.base(), nullptr);
  EXPECT_EQ(mem.pages(), 2u);
  EXPECT_EQ(mem.size_bytes(), 2u * kPageSize);
  EXPECT_EQ(mem.base()[0], 0);
  EXPECT_EQ(mem.base()[2 * kPageSize - 1], 0);
  mem.base()[2 * kPageSize - 1] = 7;
  EXPECT_EQ(perms_at(mem.base()).substr(0, 3), "rw-");
  EXPECT_EQ(perms_at(mem.base() + 2 * kPageSize - 1).substr(0, 3), "rw-");
}

TEST(LinearMemory, PastCommittedIsInaccessible) {
  LinearMemory mem;
  ASSERT_TRUE(mem.init(1, std::nullopt));
  EXPECT_EQ(perms_at(mem.base() + kPageSize).substr(0, 3), "---");
  // The far end of the reservation (max index + max offset) is still ours and inaccessible.
  EXPECT_EQ(perms_at(mem.base() + LinearMemory::kReservation - 1).substr(0, 3), "---");
  ASSERT_EQ(mem.grow(1), 1u);
  EXPECT_EQ(perms_at(mem.base() + kPageSize).substr(0, 3), "rw-");
  EXPECT_EQ(perms_at(mem.base() + 2 * kPageSize).substr(0, 3), "---");
}

TEST(LinearMemory, ZeroPages) {
  LinearMemory mem;
  ASSERT_TRUE(mem.init(0, 0));
  EXPECT_NE(mem.base(), nullptr);
  EXPECT_EQ(mem.pages(), 0u);
  EXPECT_EQ(perms_at(mem.base()).substr(0, 3), "---");
  EXPECT_EQ(mem.grow(0), 0u);
  EXPECT_EQ(mem.grow(1), std::nullopt);
}

TEST(LinearMemory, GrowReturnsOldSizeAndZeroes) {
  LinearMemory mem;
  ASSERT_TRUE(mem.init(1, 4));
  mem.base()[0] = 1;
  EXPECT_EQ(mem.grow(0), 1u);
  EXPECT_EQ(mem.grow(2), 1u);
  EXPECT_EQ(mem.pages(), 3u);
  EXPECT_EQ(mem.base()[0], 1);  // contents survive growth (no move: fixed reservation)
  for (uint64_t i = kPageSize; i < 3ull * kPageSize; i += 4096) EXPECT_EQ(mem.base()[i], 0);
  EXPECT_EQ(mem.grow(2), std::nullopt);  // past max 4
  EXPECT_EQ(mem.pages(), 3u);
  EXPECT_EQ(mem.grow(1), 3u);
  EXPECT_EQ(mem.grow(1), std::nullopt);
}

TEST(LinearMemory, SpecPageLimit) {
  LinearMemory mem;
  ASSERT_TRUE(mem.init(0, std::nullopt));
  EXPECT_EQ(mem.grow(kMaxPages + 1), std::nullopt);
  EXPECT_EQ(mem.grow(UINT32_MAX), std::nullopt);
  EXPECT_EQ(mem.pages(), 0u);
  LinearMemory big;
  EXPECT_FALSE(big.init(kMaxPages + 1, std::nullopt));
  LinearMemory bad;
  EXPECT_FALSE(bad.init(3, 2));  // initial above max
}

TEST(LinearMemory, FullFourGiB) {
  // Committing is only mprotect on a NORESERVE mapping: cheap even for 4 GiB (nothing touched).
  LinearMemory mem;
  ASSERT_TRUE(mem.init(0, std::nullopt));
  ASSERT_EQ(mem.grow(kMaxPages), 0u);
  EXPECT_EQ(mem.size_bytes(), uint64_t{4} << 30);
  mem.base()[(uint64_t{4} << 30) - 1] = 42;
  EXPECT_EQ(perms_at(mem.base() + (uint64_t{4} << 30)).substr(0, 3), "---");
  EXPECT_EQ(mem.grow(1), std::nullopt);
}

TEST(LinearMemory, DestructorUnmaps) {
  uint8_t* base;
  {
    LinearMemory mem;
    ASSERT_TRUE(mem.init(1, std::nullopt));
    base = mem.base();
  }
  EXPECT_EQ(perms_at(base), "unmapped");
}

}  // namespace
}  // namespace wc::engine
