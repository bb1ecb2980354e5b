// Hostile text input (src/engine/text): deep nesting, a gigabyte of parentheses, too many
// tokens, deep flat blocks, huge literals. Each must be a clear error, quickly, without
// allocating in proportion to the input's tokens and without running out of stack.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>

#include "engine/text/sexpr.h"
#include "engine/text/wat.h"

namespace wc::engine::text {
namespace {

// `total` bytes of `pattern` repeated, mapped from one 2 MiB memfd many times over, so a
// gigabyte of input costs 2 MiB of memory. Unmapped by the destructor.
class RepeatedInput {
 public:
  RepeatedInput(std::string_view pattern, size_t total) : size_(total) {
    constexpr size_t kChunk = 2 << 20;
    int fd = static_cast<int>(syscall(SYS_memfd_create, "text-input", 0));
    EXPECT_GE(fd, 0);
    EXPECT_EQ(ftruncate(fd, kChunk), 0);
    std::string chunk;
    while (chunk.size() < kChunk) chunk += pattern;
    chunk.resize(kChunk);
    EXPECT_EQ(pwrite(fd, chunk.data(), kChunk, 0), static_cast<ssize_t>(kChunk));
    base_ = mmap(nullptr, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    EXPECT_NE(base_, MAP_FAILED);
    for (size_t off = 0; off < total; off += kChunk)
      EXPECT_NE(
          mmap(static_cast<char*>(base_) + off, kChunk, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0),
          MAP_FAILED);
    close(fd);
  }
  ~RepeatedInput() { munmap(base_, size_); }
  std::string_view view() const { return {static_cast<const char*>(base_), size_}; }

 private:
  void* base_ = nullptr;
  size_t size_;
};

constexpr size_t kGiB = size_t{1} << 30;

TEST(TextHostile, NestingCapIsExact) {
  std::string ok = std::string(1000, '(') + std::string(1000, ')');
  EXPECT_TRUE(read_sexprs(ok).ok());
  std::string deep = std::string(1001, '(') + std::string(1001, ')');
  auto r = read_sexprs(deep);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "1:1001: nesting deeper than 1000 levels");
  // The deepest folded code the cap allows encodes (the encoder recurses once per level).
  std::string folded = "(func";
  for (int i = 0; i < 998; ++i) folded += " (block";
  folded += std::string(999, ')');
  EXPECT_TRUE(wat_to_wasm(folded).ok());
}

TEST(TextHostile, AGigabyteOfOpenParenthesesStopsAtTheCap) {
  RepeatedInput input("(", kGiB);
  auto start = std::chrono::steady_clock::now();
  auto r = wat_to_wasm(input.view());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "1:1001: nesting deeper than 1000 levels");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(TextHostile, AGigabyteOfEmptyListsStopsAtTheTokenCap) {
  RepeatedInput input("()", kGiB);
  ReadLimits limits;
  limits.max_tokens = 1 << 20;  // the default (4M) works the same, at 4x the memory
  auto r = read_sexprs(input.view(), limits);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("more than 1048576 tokens"), std::string::npos)
      << r.error().message;
}

TEST(TextHostile, HugeLiteralsAreMalformedConstants) {
  // Far too long for any number: refused as a malformed constant, not wrapped or crashed on.
  std::string wat = "(func (i32.const " + std::string(16 << 20, '9') + ") drop)";
  auto r = wat_to_wasm(wat);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("1:18: malformed or out of range integer constant"),
            std::string::npos);
  std::string f = "(func (f64.const 1" + std::string(1 << 20, '0') + ") drop)";
  r = wat_to_wasm(f);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("out of range f64 constant"), std::string::npos);
}

TEST(TextHostile, UnterminatedInputs) {
  std::string open_string = "\"" + std::string(16 << 20, 'a');  // 16 MiB, never closed
  auto r = read_sexprs(open_string);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "1:1: unterminated string");
  EXPECT_FALSE(read_sexprs("(module (func").ok());
  EXPECT_FALSE(read_sexprs("(; (; ;)").ok());
  EXPECT_FALSE(read_sexprs(std::string_view("(func \"\0\")", 10)).ok());
}

TEST(TextHostile, DeepFlatBlocksAreCappedBeforeTheStackRunsOut) {
  std::string ok = "(func";
  for (int i = 0; i < 5000; ++i) ok += " block";
  for (int i = 0; i < 5000; ++i) ok += " end";
  ok += ")";
  EXPECT_TRUE(wat_to_wasm(ok).ok());
  std::string deep = "(func";
  for (int i = 0; i < 200000; ++i) deep += " block";
  deep += ")";
  auto r = wat_to_wasm(deep);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("blocks nested deeper than 10000 levels"), std::string::npos)
      << r.error().message;
}

TEST(TextHostile, QuotedModulesNestOnlyAsDeepAsTheirEscapes) {
  // (module quote "(module quote \"...\")"): each level is parsed from the previous one's string.
  std::string inner = "(func)";
  for (int i = 0; i < 6; ++i) {
    std::string escaped;
    for (char c : inner) {
      if (c == '"' || c == '\\') escaped += '\\';
      escaped += c;
    }
    inner = "(module quote \"" + escaped + "\")";
  }
  auto top = read_sexprs(inner);
  ASSERT_TRUE(top.ok());
  EXPECT_TRUE(module_to_wasm((*top)[0]).ok());
}

}  // namespace
}  // namespace wc::engine::text
