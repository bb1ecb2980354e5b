#include "engine/runtime/memory_ops.h"

#include <algorithm>
#include <cstring>

namespace wc::engine {

namespace {
bool in_bounds(uint32_t start, uint32_t n, uint64_t size) { return uint64_t{start} + n <= size; }
}  // namespace

std::optional<uint32_t> grow_memory(Store& store, MemoryInstance& mem, uint32_t delta) {
  if (delta == 0) return mem.memory.pages();
  uint64_t bytes = uint64_t{delta} * kPageSize;
  if (!store.reserve_memory_bytes(bytes)) return std::nullopt;
  auto old = mem.memory.grow(delta);  // checks max pages, 4 GiB, and mprotect failure
  if (!old) store.release_memory_bytes(bytes);
  return old;
}

bool memory_fill(MemoryInstance& mem, uint32_t dst, uint8_t value, uint32_t n) {
  if (!in_bounds(dst, n, mem.memory.size_bytes())) return false;
  std::memset(mem.memory.base() + dst, value, n);
  return true;
}

bool memory_copy(MemoryInstance& mem, uint32_t dst, uint32_t src, uint32_t n) {
  uint64_t size = mem.memory.size_bytes();
  if (!in_bounds(dst, n, size) || !in_bounds(src, n, size)) return false;
  std::memmove(mem.memory.base() + dst, mem.memory.base() + src, n);
  return true;
}

bool memory_init(Instance& inst, uint32_t data, uint32_t dst, uint32_t src, uint32_t n) {
  MemoryInstance& mem = *inst.memories_[0];
  const std::span<const uint8_t> bytes = inst.module().data_bytes(data);
  uint64_t seg_size = inst.data_dropped_[data] ? 0 : bytes.size();
  if (!in_bounds(src, n, seg_size) || !in_bounds(dst, n, mem.memory.size_bytes())) return false;
  if (n) std::memcpy(mem.memory.base() + dst, bytes.data() + src, n);
  return true;
}

void data_drop(Instance& inst, uint32_t data) { inst.data_dropped_[data] = true; }

std::optional<uint32_t> grow_table(TableInstance& table, uint32_t delta, uint64_t init) {
  uint64_t old = table.elems.size();
  uint64_t limit = std::min<uint64_t>(table.type.limits.max.value_or(UINT32_MAX), kMaxTableElems);
  if (old + delta > limit) return std::nullopt;
  table.elems.resize(old + delta, init);
  return static_cast<uint32_t>(old);
}

bool table_fill(TableInstance& table, uint32_t dst, uint64_t value, uint32_t n) {
  if (!in_bounds(dst, n, table.elems.size())) return false;
  std::fill_n(table.elems.begin() + dst, n, value);
  return true;
}

bool table_copy(TableInstance& dst_table, TableInstance& src_table, uint32_t dst, uint32_t src,
                uint32_t n) {
  if (!in_bounds(dst, n, dst_table.elems.size()) || !in_bounds(src, n, src_table.elems.size()))
    return false;
  if (n)
    std::memmove(dst_table.elems.data() + dst, src_table.elems.data() + src, n * sizeof(uint64_t));
  return true;
}

bool table_init(Instance& inst, uint32_t elem, uint32_t table, uint32_t dst, uint32_t src,
                uint32_t n) {
  const std::vector<uint64_t>& seg = inst.elems_[elem];
  TableInstance& t = *inst.tables_[table];
  if (!in_bounds(src, n, seg.size()) || !in_bounds(dst, n, t.elems.size())) return false;
  std::copy_n(seg.begin() + src, n, t.elems.begin() + dst);
  return true;
}

// Swap with an empty vector so the references' storage is freed, not just cleared.
void elem_drop(Instance& inst, uint32_t elem) { std::vector<uint64_t>().swap(inst.elems_[elem]); }

}  // namespace wc::engine
