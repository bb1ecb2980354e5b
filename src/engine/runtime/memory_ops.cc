#include "engine/runtime/memory_ops.h"

#include <algorithm>
#include <cstring>

namespace wc::engine {
namespace {

bool in_bounds(uint64_t offset, uint64_t n, uint64_t size) { return offset + n <= size; }

}  // namespace

bool memory_fill(MemoryInstance& memory, uint32_t dst, uint8_t value, uint32_t n) {
  if (!in_bounds(dst, n, memory.memory.size_bytes())) return false;
  std::memset(memory.memory.base() + dst, value, n);
  return true;
}

bool memory_copy(MemoryInstance& memory, uint32_t dst, uint32_t src, uint32_t n) {
  uint64_t size = memory.memory.size_bytes();
  if (!in_bounds(dst, n, size) || !in_bounds(src, n, size)) return false;
  std::memmove(memory.memory.base() + dst, memory.memory.base() + src, n);
  return true;
}

bool memory_init(Instance& instance, uint32_t segment, uint32_t dst, uint32_t src, uint32_t n) {
  return memory_init(*instance.memories_[0], data_segment(instance, segment), dst, src, n);
}

void data_drop(Instance& instance, uint32_t segment) { instance.data_dropped_[segment] = true; }

bool table_fill(TableInstance& table, uint32_t dst, uint64_t value, uint32_t n) {
  if (!in_bounds(dst, n, table.elems.size())) return false;
  std::fill_n(table.elems.begin() + dst, n, value);
  return true;
}

bool table_copy(TableInstance& dst_table, TableInstance& src_table, uint32_t dst, uint32_t src,
                uint32_t n) {
  if (!in_bounds(dst, n, dst_table.elems.size()) || !in_bounds(src, n, src_table.elems.size()))
    return false;
  if (n) std::memmove(dst_table.elems.data() + dst, src_table.elems.data() + src, n * sizeof(uint64_t));
  return true;
}

bool table_init(Instance& instance, uint32_t segment, uint32_t table, uint32_t dst, uint32_t src,
                uint32_t n) {
  return table_init(*instance.tables_[table], instance.elems_[segment], dst, src, n);
}

void elem_drop(Instance& instance, uint32_t segment) {
  instance.elems_[segment].clear();
  instance.elems_[segment].shrink_to_fit();
}

}  // namespace wc::engine
