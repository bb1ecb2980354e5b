// Bulk memory and table operations shared by instantiation and the interpreter, so limits and
// bounds rules live in one place. Bounds follow the bulk-memory proposal (WebAssembly 2.0):
// the whole range is checked before anything is written, even when n == 0, and false means
// trap ("out of bounds memory access" / "out of bounds table access"). Only memory 0 exists
// (no multi-memory), so the memory forms take the instance's first memory where needed.
#pragma once

#include <cstdint>
#include <optional>

#include "engine/runtime/store.h"

namespace wc::engine {

// Tables are plain vectors; cap them (as browsers do) so table.grow or a huge declared minimum
// fails cleanly instead of throwing bad_alloc.
constexpr uint32_t kMaxTableElems = 10'000'000;

// memory.grow: checks the memory's max, the 65536-page limit and the store's max_memory_bytes
// budget (Store::reserve_memory_bytes), then commits. Old page count, or nullopt (-1).
std::optional<uint32_t> grow_memory(Store& store, MemoryInstance& mem, uint32_t delta);
bool memory_fill(MemoryInstance& mem, uint32_t dst, uint8_t value, uint32_t n);
bool memory_copy(MemoryInstance& mem, uint32_t dst, uint32_t src, uint32_t n);  // overlap-safe
// From data segment `data` of `inst` into memory 0; a dropped segment has length 0.
bool memory_init(Instance& inst, uint32_t data, uint32_t dst, uint32_t src, uint32_t n);
void data_drop(Instance& inst, uint32_t data);

// table.grow: appends `delta` copies of `init`. Old size, or nullopt (-1).
std::optional<uint32_t> grow_table(TableInstance& table, uint32_t delta, uint64_t init);
bool table_fill(TableInstance& table, uint32_t dst, uint64_t value, uint32_t n);
bool table_copy(TableInstance& dst_table, TableInstance& src_table, uint32_t dst, uint32_t src,
                uint32_t n);  // overlap-safe when both are the same table
// From element segment `elem` (Instance::elems_, empty once dropped) into inst.tables_[table].
bool table_init(Instance& inst, uint32_t elem, uint32_t table, uint32_t dst, uint32_t src,
                uint32_t n);
void elem_drop(Instance& inst, uint32_t elem);

}  // namespace wc::engine
