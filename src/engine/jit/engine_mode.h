// Which execution tier runs a module: `--engine interp|auto|jit` on wasm-run, wasm-spec-runner
// and `webcontainerd run`. Only the interpreter exists today; the JIT tier (issue 11) is not
// yet implemented, so `auto` and `jit` are refused with a clear error rather than silently
// falling back, and the default stays `interp`.
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

}  // namespace wc::jit
