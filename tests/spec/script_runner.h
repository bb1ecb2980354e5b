// Executes one spec script against one fresh Store and Linker: either a .wast read directly by
// our text-format parser (run_wast), or its conversion by wabt's wast2json (run_script: the
// .json plus the .wasm files beside it), kept to compare the two paths.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

namespace wc::spec {

struct ScriptCounts {
  int passed = 0;
  int failed = 0;
  int skipped = 0;
};

struct ScriptOptions {
  bool verbose = false;      // spectest.print* print their arguments
  int max_diagnostics = 20;  // failure lines printed per script; the rest are only counted
};

// Called before each command with its source line and the counts so far, so that the caller
// (main.cc, in the parent process) can name the command if the engine crashes on it.
using ProgressFn = std::function<void(int line, const ScriptCounts& counts)>;

// Runs every command in order. Each failure prints "  NAME:LINE: what went wrong" to stdout
// (flushed at once, so nothing is lost if a later command crashes the process).
ScriptCounts run_script(const std::string& name, const std::filesystem::path& json_path,
                        const ScriptOptions& options, const ProgressFn& progress);

// The same for a .wast read by our own parser; text-format assert_malformed cases run too.
ScriptCounts run_wast(const std::string& name, const std::filesystem::path& wast_path,
                      const ScriptOptions& options, const ProgressFn& progress);

}  // namespace wc::spec
