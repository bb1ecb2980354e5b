// The arguments every export is called with: a fixed list of patterns, each giving one value
// per parameter type, so both tiers (and every rerun) see exactly the same calls. The patterns
// aim at the values compiled code gets wrong most easily: zero, small counts, all-ones (-1 and
// a NaN with a full payload), sign bits and the int/float boundaries.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/runtime/value.h"
#include "engine/types.h"

namespace wc::jitdiff {

inline constexpr uint32_t kNumArgPatterns = 5;

// Arguments for `params` under pattern `pattern` (0 = all zeros).
std::vector<engine::Value> make_args(const std::vector<engine::ValType>& params, uint32_t pattern);

}  // namespace wc::jitdiff
