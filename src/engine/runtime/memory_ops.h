// The interpreter's bulk-memory and table instructions, bounds-checked. Each returns false
// when a range is out of bounds, having changed nothing. Growth and segment initialization
// shared with instantiation live in ops.h.
#pragma once

#include <cstdint>
#include <optional>

#include "engine/runtime/ops.h"
#include "engine/runtime/store.h"

namespace wc::engine {

bool memory_fill(MemoryInstance& memory, uint32_t dst, uint8_t value, uint32_t n);
bool memory_copy(MemoryInstance& memory, uint32_t dst, uint32_t src, uint32_t n);
bool memory_init(Instance& instance, uint32_t segment, uint32_t dst, uint32_t src, uint32_t n);
void data_drop(Instance& instance, uint32_t segment);

bool table_fill(TableInstance& table, uint32_t dst, uint64_t value, uint32_t n);
bool table_copy(TableInstance& dst_table, TableInstance& src_table, uint32_t dst, uint32_t src,
                uint32_t n);
bool table_init(Instance& instance, uint32_t segment, uint32_t table, uint32_t dst, uint32_t src,
                uint32_t n);
void elem_drop(Instance& instance, uint32_t segment);

}  // namespace wc::engine
