// Reads a .wast script with our own text-format parser (src/engine/text) into the command list
// wast2json would write, so one runner executes both. Modules are kept in memory: each command
// that names a module has "filename": "@N", an index into `modules`.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.h"

namespace wc::spec {

// A module of the script as binary bytes, or why the text could not be encoded.
struct ModuleSource {
  std::vector<uint8_t> bytes;
  std::string text_error;  // non-empty: a malformed text module ("LINE:COL: ...")
};

struct WastScript {
  nlohmann::json commands = nlohmann::json::array();
  std::vector<ModuleSource> modules;
};

// Errors in the script syntax itself (not in a module) fail the whole script.
engine::Result<WastScript> read_wast(std::string_view source);

}  // namespace wc::spec
