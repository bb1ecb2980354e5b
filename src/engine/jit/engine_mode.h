// Which execution tier runs a module: `--engine interp|auto|jit` on wasm-run, wasm-spec-runner
// and `webcontainerd run`. `jit` compiles every function to x86-64 at instantiation (the
// baseline compiler, x64_compiler.h); `auto` interprets first and compiles a function once its
// calls plus loop back-edges pass StoreConfig::tier_up_after (tier-up in a hot loop happens at
// its header: frames are shared, so the code takes over where the interpreter is).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wc::jit {

enum class EngineMode {
  Interp,  // the interpreter only
  Auto,    // interpreter first, hot functions compiled (tier-up by call and loop counters)
  Jit,     // every function compiled before its first call (for tests)
};

inline constexpr const char* kEngineModeNames = "interp|auto|jit";

std::optional<EngineMode> parse_engine_mode(std::string_view name);
const char* engine_mode_name(EngineMode mode);

}  // namespace wc::jit
