// Deterministic stand-ins for whatever a module imports, so a generated module runs the same
// way in two stores: functions record their arguments in a log and return zeros (binaryen's
// `wasm-opt -ttf` modules import only "fuzzing-support" "log-*", which this covers exactly;
// the spec corpus's "spectest" imports get the same treatment), globals are zero, memories and
// tables are fresh at their minimum size.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/module.h"
#include "engine/result.h"
#include "engine/runtime/store.h"
#include "engine/runtime/value.h"

namespace wc::jitdiff {

struct LogEntry {
  uint32_t import = 0;  // index in Module::imports
  std::vector<engine::Value> args;
};

struct CallLog {
  static constexpr size_t kMaxEntries = 4096;  // beyond this only `dropped` counts
  std::vector<LogEntry> entries;
  uint64_t dropped = 0;
};

// One ExternVal per import of `module`, in import order, created in `store`; the functions
// append to `log`, which must outlive the store's use of them.
engine::Result<std::vector<engine::ExternVal>> make_import_stubs(engine::Store& store,
                                                                 const engine::Module& module,
                                                                 CallLog& log);

}  // namespace wc::jitdiff
