// Import matching (the spec's external-type subtyping, 2.0), used by the Linker to report and
// by Store::instantiate to check defensively.
#pragma once

#include <optional>
#include <string>

#include "engine/runtime/store.h"

namespace wc::engine {

// nullopt if `actual` may satisfy `import`, else e.g. "expected func [i32] -> [], got global i32".
// Tables and memories are matched with their *current* size as the minimum.
std::optional<std::string> import_mismatch(const Module& module, const Import& import,
                                           const ExternVal& actual);
// The import's expected type: "func [i32] -> []", "table 1 10 funcref", "memory 1",
// "global mut i32".
std::string import_type_string(const Module& module, const Import& import);

}  // namespace wc::engine
