#include "engine/runtime/ops.h"

#include <algorithm>
#include <cstring>

namespace wc::engine {

std::optional<uint32_t> grow_memory(Store& store, MemoryInstance& mem, uint32_t delta) {
  if (delta == 0) return mem.memory.grow(0);
  uint64_t bytes = uint64_t{delta} * kPageSize;
  if (!store.reserve_memory_bytes(bytes)) return std::nullopt;
  auto old = mem.memory.grow(delta);  // checks max pages and the 4 GiB limit
  if (!old) store.release_memory_bytes(bytes);
  return old;
}

std::optional<uint32_t> grow_table(TableInstance& table, uint32_t delta, uint64_t init) {
  uint64_t old = table.elems.size();
  uint64_t limit = std::min<uint64_t>(table.type.limits.max.value_or(UINT32_MAX), kMaxTableElems);
  if (old + delta > limit) return std::nullopt;
  table.elems.resize(old + delta, init);
  return static_cast<uint32_t>(old);
}

bool table_init(TableInstance& table, std::span<const uint64_t> seg, uint32_t dst, uint32_t src,
                uint32_t n) {
  if (uint64_t{src} + n > seg.size() || uint64_t{dst} + n > table.elems.size()) return false;
  std::copy_n(seg.begin() + src, n, table.elems.begin() + dst);
  return true;
}

bool memory_init(MemoryInstance& mem, std::span<const uint8_t> seg, uint32_t dst, uint32_t src,
                 uint32_t n) {
  if (uint64_t{src} + n > seg.size() || uint64_t{dst} + n > mem.memory.size_bytes()) return false;
  if (n) std::memcpy(mem.memory.base() + dst, seg.data() + src, n);
  return true;
}

std::span<const uint8_t> data_segment(const Instance& inst, uint32_t idx) {
  if (inst.data_dropped_[idx]) return {};
  return inst.module().datas[idx].bytes;
}

namespace {

bool is_null(const ExternVal& v) {
  switch (v.kind) {
    case ExternKind::Func: return !v.func;
    case ExternKind::Table: return !v.table;
    case ExternKind::Memory: return !v.memory;
    case ExternKind::Global: return !v.global;
  }
  return true;
}

std::string limits_string(uint64_t min, std::optional<uint32_t> max) {
  std::string s = std::to_string(min);
  if (max) {
    s += ' ';
    s += std::to_string(*max);
  }
  return s;
}

std::string global_string(const GlobalType& g) {
  return std::string("global ") + (g.is_mutable ? "mut " : "") + valtype_name(g.type);
}

// The actual object's type, with current sizes standing in for the minimum (as the spec's
// external typing of table and memory instances does).
std::string extern_string(const ExternVal& v) {
  switch (v.kind) {
    case ExternKind::Func: return "func " + functype_to_string(*v.func->type);
    case ExternKind::Table:
      return "table " + limits_string(v.table->elems.size(), v.table->type.limits.max) + " " +
             valtype_name(v.table->type.elem);
    case ExternKind::Memory:
      return "memory " + limits_string(v.memory->memory.pages(), v.memory->type.limits.max);
    case ExternKind::Global: return global_string(v.global->type);
  }
  return "?";
}

// Limits subtyping: at least the expected minimum, and if a maximum is expected, one at most
// that large.
bool limits_match(uint64_t actual_min, std::optional<uint32_t> actual_max, const Limits& expected) {
  if (actual_min < expected.min) return false;
  if (!expected.max) return true;
  return actual_max && *actual_max <= *expected.max;
}

}  // namespace

std::string import_type_string(const Module& module, const Import& imp) {
  switch (imp.kind) {
    case ExternKind::Func:
      return "func " + (imp.func_type < module.types.size() ? functype_to_string(module.types[imp.func_type])
                                                            : std::string("?"));
    case ExternKind::Table:
      return "table " + limits_string(imp.table.limits.min, imp.table.limits.max) + " " +
             valtype_name(imp.table.elem);
    case ExternKind::Memory:
      return "memory " + limits_string(imp.memory.limits.min, imp.memory.limits.max);
    case ExternKind::Global: return global_string(imp.global);
  }
  return "?";
}

std::optional<std::string> import_mismatch(const Module& module, const Import& imp,
                                           const ExternVal& actual) {
  bool ok = false;
  if (actual.kind == imp.kind && !is_null(actual)) {
    switch (imp.kind) {
      case ExternKind::Func:
        ok = imp.func_type < module.types.size() && *actual.func->type == module.types[imp.func_type];
        break;
      case ExternKind::Table:
        ok = actual.table->type.elem == imp.table.elem &&
             limits_match(actual.table->elems.size(), actual.table->type.limits.max, imp.table.limits);
        break;
      case ExternKind::Memory:
        ok = limits_match(actual.memory->memory.pages(), actual.memory->type.limits.max,
                          imp.memory.limits);
        break;
      case ExternKind::Global:
        ok = actual.global->type.type == imp.global.type &&
             actual.global->type.is_mutable == imp.global.is_mutable;
        break;
    }
  }
  if (ok) return std::nullopt;
  return "expected " + import_type_string(module, imp) + ", got " +
         (is_null(actual) ? std::string("null") : extern_string(actual));
}

}  // namespace wc::engine
