// `--engine interp|auto|jit`: the names parse and set the stores' defaults.
#include "engine/jit/engine_mode.h"

#include <gtest/gtest.h>

#include "engine/runtime/store.h"

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

// The mode picks the process-wide defaults every Store starts from.
TEST(EngineMode, ModesSetTheStoresDefaults) {
  const bool native = wc::engine::StoreConfig::process_compiles_native();
  const bool tier_up = wc::engine::StoreConfig::process_tiers_up();
  use_engine_mode(EngineMode::Auto);
  EXPECT_TRUE(wc::engine::StoreConfig{}.tier_up);
  EXPECT_FALSE(wc::engine::StoreConfig{}.compile_native);
  use_engine_mode(EngineMode::Jit);
  EXPECT_FALSE(wc::engine::StoreConfig{}.tier_up);
  EXPECT_TRUE(wc::engine::StoreConfig{}.compile_native);
  use_engine_mode(EngineMode::Interp);
  EXPECT_FALSE(wc::engine::StoreConfig{}.tier_up);
  EXPECT_FALSE(wc::engine::StoreConfig{}.compile_native);
  wc::engine::StoreConfig::set_process_compiles_native(native);
  wc::engine::StoreConfig::set_process_tiers_up(tier_up);
}

}  // namespace
}  // namespace wc::jit
