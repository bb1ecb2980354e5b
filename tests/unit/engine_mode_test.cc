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

// A front end's --engine becomes the default of every Store made afterwards.
TEST(EngineMode, TheProcessDefaultReachesNewStores) {
  const EngineMode before = wc::engine::StoreConfig::process_engine();
  for (EngineMode m : {EngineMode::Auto, EngineMode::Jit, EngineMode::Interp}) {
    wc::engine::StoreConfig::set_process_engine(m);
    EXPECT_EQ(wc::engine::StoreConfig{}.engine, m) << engine_mode_name(m);
  }
  wc::engine::StoreConfig::set_process_engine(before);
}

}  // namespace
}  // namespace wc::jit
