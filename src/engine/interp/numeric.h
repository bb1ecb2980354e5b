// Numeric semantics the C++ operators do not give directly: wasm's min/max (NaN propagation,
// -0 < +0), round-to-nearest-even, and the range checks of float-to-int truncation.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace wc::engine::numeric {

// A NaN operand gives the first NaN operand, quieted (x + x quiets and keeps the payload).
// Spelled out, not `a + b`: which NaN the hardware returns for two NaNs depends on operand
// order, which the C++ compiler is free to swap, and the JIT's `addss a, b` must agree.
template <typename F>
inline F first_nan_quieted(F a, F b) {
  return std::isnan(a) ? a + a : b + b;
}

template <typename F>
inline F wasm_min(F a, F b) {
  if (std::isnan(a) || std::isnan(b)) return first_nan_quieted(a, b);
  if (a == b) return std::signbit(a) ? a : b;  // min(-0, +0) = -0
  return a < b ? a : b;
}

template <typename F>
inline F wasm_max(F a, F b) {
  if (std::isnan(a) || std::isnan(b)) return first_nan_quieted(a, b);
  if (a == b) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}

// Rounding functions of the C library may return a signalling NaN unchanged; wasm requires
// an arithmetic (quiet) NaN, which x + x produces.
template <typename F>
inline F ceil(F x) {
  return std::isnan(x) ? x + x : std::ceil(x);
}
template <typename F>
inline F floor(F x) {
  return std::isnan(x) ? x + x : std::floor(x);
}
template <typename F>
inline F trunc(F x) {
  return std::isnan(x) ? x + x : std::trunc(x);
}
template <typename F>
inline F nearest(F x) {
  return std::isnan(x) ? x + x : std::nearbyint(x);
}

constexpr double pow2(int n) {
  double r = 1;
  for (int i = 0; i < n; ++i) r *= 2;
  return r;
}

enum class TruncResult { Ok, NaN, Overflow };

// Checks that trunc(x) fits in I. The bounds are exact in double for every source type.
template <typename I, typename F>
inline TruncResult trunc_check(F x) {
  if (std::isnan(x)) return TruncResult::NaN;
  double d = static_cast<double>(x);
  if constexpr (std::is_signed_v<I>) {
    constexpr double lo = -pow2(std::numeric_limits<I>::digits);  // -2^(N-1)
    constexpr double hi = pow2(std::numeric_limits<I>::digits);   //  2^(N-1)
    // For 32-bit targets, anything above -2^31 - 1 truncates into range.
    if (sizeof(I) == 4 ? !(d > lo - 1.0) : !(d >= lo)) return TruncResult::Overflow;
    if (!(d < hi)) return TruncResult::Overflow;
  } else {
    constexpr double hi = pow2(std::numeric_limits<I>::digits);  // 2^N
    if (!(d > -1.0) || !(d < hi)) return TruncResult::Overflow;
  }
  return TruncResult::Ok;
}

template <typename I, typename F>
inline I trunc_sat(F x) {
  if (std::isnan(x)) return 0;
  switch (trunc_check<I>(x)) {
    case TruncResult::Ok: return static_cast<I>(x);
    default: return x < 0 ? std::numeric_limits<I>::min() : std::numeric_limits<I>::max();
  }
}

}  // namespace wc::engine::numeric
