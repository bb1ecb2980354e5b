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

// interp and jit run; auto (tier-up) says it is not there yet instead of silently running
// another tier under its name.
TEST(EngineMode, AutoIsNotYetAvailable) {
  EXPECT_EQ(engine_mode_unavailable(EngineMode::Interp), "");
  EXPECT_EQ(engine_mode_unavailable(EngineMode::Jit), "");
  std::string why = engine_mode_unavailable(EngineMode::Auto);
  EXPECT_NE(why.find("not yet implemented"), std::string::npos) << why;
  EXPECT_NE(why.find("auto"), std::string::npos) << why;
}

}  // namespace
}  // namespace wc::jit
