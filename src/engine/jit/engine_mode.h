// Which execution tier runs a module: `--engine interp|auto|jit` on wasm-run, wasm-spec-runner
// and `webcontainerd run`. `jit` compiles every function to x86-64 at instantiation (the
// baseline compiler, x64_compiler.h); `auto` (tier-up by call and loop counters) is not yet
// implemented and is refused with a clear error rather than silently running something else.
// The default stays `interp` until `auto` exists.
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

// Empty when this build can run `mode`, else the message to show (and exit non-zero with).
std::string engine_mode_unavailable(EngineMode mode);

// Makes `mode` the process's default for every Store created afterwards.
void use_engine_mode(EngineMode mode);

}  // namespace wc::jit
