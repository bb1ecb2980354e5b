// Resolves a module's imports by (module, name) against registered host objects and instances,
// checking kinds and types as the spec's import matching requires.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <variant>

#include "engine/runtime/store.h"

namespace wc::engine {

class Linker {
 public:
  void define(const std::string& module, const std::string& name, ExternVal value);
  // Makes every export of `instance` importable under `module`.
  void define_instance(const std::string& module, const Instance& instance);

  // Resolves imports (an error names module, field and the expected type) and instantiates.
  std::variant<Instance*, InstantiateError> instantiate(Store& store,
                                                        std::shared_ptr<const Module> module) const;

 private:
  std::map<std::pair<std::string, std::string>, ExternVal> defs_;
};

}  // namespace wc::engine
