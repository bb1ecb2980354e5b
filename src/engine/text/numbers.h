// Numeric literals of the text format: integers (decimal or 0x hex, optional sign, `_` between
// digits) and floats (decimal, hex with binary exponent, inf, nan, nan:0xPAYLOAD), checked
// against the spec's grammar before conversion, so strtod's extra forms ("infinity", "0x")
// are never accepted.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace wc::engine::text {

// An unsigned index or count (no sign allowed); nullopt if malformed or above `max`.
std::optional<uint64_t> parse_nat(std::string_view s, uint64_t max);

// An integer of `bits` (8..64) given as signed or unsigned: "-1" and "0xffffffff" are the same
// i32. Returns the bit pattern (truncated to `bits`), nullopt if malformed or out of range.
std::optional<uint64_t> parse_int(std::string_view s, unsigned bits);

std::optional<uint32_t> parse_f32(std::string_view s);
std::optional<uint64_t> parse_f64(std::string_view s);

}  // namespace wc::engine::text
