// Evaluation of constant expressions (global initializers, segment offsets and elements).
#pragma once

#include <optional>
#include <span>

#include "engine/module.h"
#include "engine/runtime/store.h"

namespace wc::engine {

// Runs `expr` on a small value stack. `globals` is what global.get may read and `funcs` the
// function index space for ref.func. Besides the 2.0 constant instructions, the
// extended-const i32/i64 add/sub/mul are accepted (the validator decides what is allowed).
// nullopt if the expression is not constant, refers out of range, or leaves != 1 value —
// impossible after validation, but instantiate() stays defensive.
std::optional<Value> eval_const_expr(const ConstExpr& expr,
                                     std::span<GlobalInstance* const> globals,
                                     std::span<FuncInstance* const> funcs);

}  // namespace wc::engine
