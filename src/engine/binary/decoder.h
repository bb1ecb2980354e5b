// Binary format -> Module. Every malformed input yields an Error whose message starts with the
// byte offset ("offset 0x1a: ...") and says what was wrong.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "engine/module.h"
#include "engine/result.h"

namespace wc::engine {

Result<std::shared_ptr<const Module>> decode_module(std::span<const uint8_t> bytes);

}  // namespace wc::engine
