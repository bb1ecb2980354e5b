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

}  // namespace wc::jit
