// Runtime operations shared by instantiation and the interpreter, so limits and bounds rules
// live in one place.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "engine/runtime/store.h"

namespace wc::engine {

// Tables are plain vectors; cap them (as browsers do) so table.grow / a huge declared minimum
// fails cleanly instead of throwing bad_alloc.
constexpr uint32_t kMaxTableElems = 10'000'000;

// memory.grow: checks the memory's max, the 65536-page limit and the store's
// max_memory_bytes budget, then commits. Returns the old page count, or nullopt (-1).
std::optional<uint32_t> grow_memory(Store& store, MemoryInstance& mem, uint32_t delta);

// table.grow: appends `delta` copies of `init`. Returns the old size, or nullopt (-1).
std::optional<uint32_t> grow_table(TableInstance& table, uint32_t delta, uint64_t init);

// table.init / memory.init with the bulk-memory rule: bounds are checked for the whole range
// first (even when n == 0), and nothing is written on failure. False means trap
// ("out of bounds table access" / "out of bounds memory access"). A dropped segment is empty.
bool table_init(TableInstance& table, std::span<const uint64_t> seg, uint32_t dst, uint32_t src,
                uint32_t n);
bool memory_init(MemoryInstance& mem, std::span<const uint8_t> seg, uint32_t dst, uint32_t src,
                 uint32_t n);

// Instance's data segment `idx` as memory.init sees it (empty once dropped).
std::span<const uint8_t> data_segment(const Instance& inst, uint32_t idx);

// Import matching (spec "external types" subtyping, 2.0): nullopt if `actual` may satisfy
// `import`, else a description such as "expected func [i32] -> [], got func [] -> []".
std::optional<std::string> import_mismatch(const Module& module, const Import& import,
                                           const ExternVal& actual);
// "func [i32] -> []", "table 1 10 funcref", "memory 1", "global mut i32".
std::string import_type_string(const Module& module, const Import& import);

}  // namespace wc::engine
