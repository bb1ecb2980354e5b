#include "engine/runtime/linker.h"

#include "engine/runtime/extern_match.h"

namespace wc::engine {

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

// The actual object's type, current sizes standing in for the minimum (as in the spec's
// external typing of table and memory instances).
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

// At least the expected minimum and, if a maximum is expected, a maximum no larger.
bool limits_match(uint64_t actual_min, std::optional<uint32_t> actual_max, const Limits& expected) {
  if (actual_min < expected.min) return false;
  return !expected.max || (actual_max && *actual_max <= *expected.max);
}

}  // namespace

std::string import_type_string(const Module& module, const Import& imp) {
  switch (imp.kind) {
    case ExternKind::Func:
      if (imp.func_type >= module.types.size()) return "func ?";
      return "func " + functype_to_string(module.types[imp.func_type]);
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
        ok = imp.func_type < module.types.size() &&
             *actual.func->type == module.types[imp.func_type];
        break;
      case ExternKind::Table:
        ok = actual.table->type.elem == imp.table.elem &&
             limits_match(actual.table->elems.size(), actual.table->type.limits.max,
                          imp.table.limits);
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

void Linker::define(const std::string& module, const std::string& name, ExternVal value) {
  defs_[{module, name}] = value;
}

void Linker::define_instance(const std::string& module, const Instance& instance) {
  for (const auto& [name, value] : instance.exports_) defs_[{module, name}] = value;
}

std::variant<Instance*, InstantiateError> Linker::instantiate(
    Store& store, std::shared_ptr<const Module> module) const {
  std::vector<ExternVal> resolved;
  resolved.reserve(module->imports.size());
  for (const Import& imp : module->imports) {
    std::string what = imp.module + "." + imp.name;
    auto it = defs_.find({imp.module, imp.name});
    if (it == defs_.end())
      return InstantiateError{
          InstantiateError::Kind::Link,
          "unknown import: " + what + " (expected " + import_type_string(*module, imp) + ")",
          std::nullopt};
    if (auto why = import_mismatch(*module, imp, it->second))
      return InstantiateError{InstantiateError::Kind::Link,
                              "incompatible import type: " + what + " (" + *why + ")",
                              std::nullopt};
    resolved.push_back(it->second);
  }
  return store.instantiate(std::move(module), resolved);
}

}  // namespace wc::engine
