#include "engine/jit/engine_mode.h"

namespace wc::jit {

std::optional<EngineMode> parse_engine_mode(std::string_view name) {
  if (name == "interp") return EngineMode::Interp;
  if (name == "auto") return EngineMode::Auto;
  if (name == "jit") return EngineMode::Jit;
  return std::nullopt;
}

const char* engine_mode_name(EngineMode mode) {
  switch (mode) {
    case EngineMode::Interp: return "interp";
    case EngineMode::Auto: return "auto";
    case EngineMode::Jit: return "jit";
  }
  return "?";
}

std::string engine_mode_unavailable(EngineMode mode) {
  if (mode == EngineMode::Interp) return {};
  return std::string("not yet implemented: --engine ") + engine_mode_name(mode) +
         " (the x86-64 JIT tier, issue 11); use --engine interp";
}

}  // namespace wc::jit
