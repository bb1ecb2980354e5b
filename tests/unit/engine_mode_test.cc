// `--engine interp|auto|jit`: the names parse, and tiers this build lacks are refused clearly.
#include "engine/jit/engine_mode.h"

#include <gtest/gtest.h>

namespace wc::jit {
namespace {

TEST(EngineMode, NamesRoundTrip) {
  for (EngineMode m : {EngineMode::Interp, EngineMode::Auto, EngineMode::Jit}) {
    auto parsed = parse_engine_mode(engine_mode_name(m));
    ASSERT_TRUE(parsed.has_value()) << engine_mode_name(m);
    EXPECT_EQ(*parsed, m);
  }
}

TEST(EngineMode, UnknownNamesAreRejected) {
  EXPECT_FALSE(parse_engine_mode("").has_value());
  EXPECT_FALSE(parse_engine_mode("JIT").has_value());
  EXPECT_FALSE(parse_engine_mode("interpreter").has_value());
}

// Until the JIT tier lands, only the interpreter runs; the others say so instead of silently
// running the interpreter under another name.
TEST(EngineMode, OnlyTheInterpreterIsAvailableYet) {
  EXPECT_EQ(engine_mode_unavailable(EngineMode::Interp), "");
  for (EngineMode m : {EngineMode::Auto, EngineMode::Jit}) {
    std::string why = engine_mode_unavailable(m);
    EXPECT_NE(why.find("not yet implemented"), std::string::npos) << why;
    EXPECT_NE(why.find(engine_mode_name(m)), std::string::npos) << why;
  }
}

}  // namespace
}  // namespace wc::jit
