// The spec's validation algorithm: operand and control stacks with unreachable polymorphism,
// plus module-level rules (types, imports/exports, segments, constant expressions, start).
#pragma once

#include <optional>

#include "engine/module.h"
#include "engine/result.h"

namespace wc::engine {

// nullopt when valid; otherwise an Error naming the function / offset and the rule broken.
std::optional<Error> validate_module(const Module& module);

}  // namespace wc::engine
