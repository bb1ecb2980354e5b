#include "engine/runtime/linker.h"

#include "engine/runtime/ops.h"

namespace wc::engine {

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
      return InstantiateError{InstantiateError::Kind::Link,
                              "unknown import: " + what + " (expected " +
                                  import_type_string(*module, imp) + ")",
                              std::nullopt};
    if (auto why = import_mismatch(*module, imp, it->second))
      return InstantiateError{InstantiateError::Kind::Link,
                              "incompatible import type: " + what + " (" + *why + ")", std::nullopt};
    resolved.push_back(it->second);
  }
  return store.instantiate(std::move(module), resolved);
}

}  // namespace wc::engine
