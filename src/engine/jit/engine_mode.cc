#include "engine/jit/engine_mode.h"

#include "engine/runtime/store.h"

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

void use_engine_mode(EngineMode mode) {
  wc::engine::StoreConfig::set_process_compiles_native(mode == EngineMode::Jit);
  wc::engine::StoreConfig::set_process_tiers_up(mode == EngineMode::Auto);
}

}  // namespace wc::jit
