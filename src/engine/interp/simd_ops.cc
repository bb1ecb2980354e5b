// Semantics of every WebAssembly 2.0 SIMD instruction, lane by lane.
//
// Lane loops over a union are what the spec says, written once; GCC and clang vectorize the
// simple ones (add, compare, bitwise) into SSE. Where a host instruction differs from wasm in
// corner cases (NaN handling of min/max, rounding modes, out-of-range float-to-int
// conversion, saturation), the scalar helpers of numeric.h give the exact wasm result.
#include "engine/interp/simd_ops.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "engine/interp/numeric.h"

namespace wc::engine {
namespace {

using u8 = uint8_t;
using u16 = uint16_t;
using u32 = uint32_t;
using u64 = uint64_t;
using i8 = int8_t;
using i16 = int16_t;
using i32 = int32_t;
using i64 = int64_t;

union V {
  u8 u8_[16];
  i8 i8_[16];
  u16 u16_[8];
  i16 i16_[8];
  u32 u32_[4];
  i32 i32_[4];
  u64 u64_[2];
  i64 i64_[2];
  float f32_[4];
  double f64_[2];
};

inline V get(const u64* fp, u32 slot) {
  V v;
  std::memcpy(&v, fp + slot, 16);
  return v;
}
inline void put(u64* fp, u32 slot, const V& v) { std::memcpy(fp + slot, &v, 16); }

template <typename T>
inline T sat(i64 x) {
  if (x < i64(std::numeric_limits<T>::min())) return std::numeric_limits<T>::min();
  if (x > i64(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
  return T(x);
}

// Lane accessors by C++ type, so templates can name "the lanes of type T".
template <typename T>
T* lanes(V& v);
template <>
u8* lanes<u8>(V& v) {
  return v.u8_;
}
template <>
i8* lanes<i8>(V& v) {
  return v.i8_;
}
template <>
u16* lanes<u16>(V& v) {
  return v.u16_;
}
template <>
i16* lanes<i16>(V& v) {
  return v.i16_;
}
template <>
u32* lanes<u32>(V& v) {
  return v.u32_;
}
template <>
i32* lanes<i32>(V& v) {
  return v.i32_;
}
template <>
u64* lanes<u64>(V& v) {
  return v.u64_;
}
template <>
i64* lanes<i64>(V& v) {
  return v.i64_;
}
template <>
float* lanes<float>(V& v) {
  return v.f32_;
}
template <>
double* lanes<double>(V& v) {
  return v.f64_;
}

// Lane-wise r[i] = f(a[i]) / f(a[i], b[i]), with the result in lanes of R.
template <typename T, typename R, typename F>
inline void map1(u64* fp, const u32* o, F f) {
  V a = get(fp, o[1]), r;
  T* x = lanes<T>(a);
  R* y = lanes<R>(r);
  constexpr int n = 16 / sizeof(T);
  for (int i = 0; i < n; ++i) y[i] = f(x[i]);
  put(fp, o[0], r);
}
template <typename T, typename R, typename F>
inline void map2(u64* fp, const u32* o, F f) {
  V a = get(fp, o[1]), b = get(fp, o[2]), r;
  T* x = lanes<T>(a);
  T* y = lanes<T>(b);
  R* z = lanes<R>(r);
  constexpr int n = 16 / sizeof(T);
  for (int i = 0; i < n; ++i) z[i] = f(x[i], y[i]);
  put(fp, o[0], r);
}

// An all-ones / all-zeros lane of the unsigned type the size of T.
template <typename T>
using Mask = std::conditional_t<
    sizeof(T) == 1, u8,
    std::conditional_t<sizeof(T) == 2, u16, std::conditional_t<sizeof(T) == 4, u32, u64>>>;
template <typename T>
inline Mask<T> mask(bool b) {
  return b ? Mask<T>(~Mask<T>(0)) : Mask<T>(0);
}

// Lane arithmetic with a NaN operand returns the first NaN operand, quieted: what x86's
// addps/subps/mulps/divps give with `a` as first source (the JIT's templates, x64_simd.cc).
// Spelled out because the C++ compiler may swap the operands of a commutative `a + b`, and
// with them which of two NaNs comes out.
template <typename F>
inline F nan_first(F a, F b, F r) {
  return std::isnan(a) || std::isnan(b) ? numeric::first_nan_quieted(a, b) : r;
}

// ---- memory ----
inline uint8_t* at(u64* fp, const u32* o, uint8_t* mem, u32 addr_slot) {
  return mem + u64(u32(fp[o[addr_slot]])) + u64(o[3]);
}

template <typename From, typename To>
void load_extend(u64* fp, const u32* o, uint8_t* mem) {
  From in[8 / sizeof(From)];
  std::memcpy(in, at(fp, o, mem, 1), 8);
  V r;
  To* y = lanes<To>(r);
  for (size_t i = 0; i < 8 / sizeof(From); ++i) y[i] = To(in[i]);
  put(fp, o[0], r);
}
template <typename T>
void load_splat(u64* fp, const u32* o, uint8_t* mem) {
  T x;
  std::memcpy(&x, at(fp, o, mem, 1), sizeof x);
  V r;
  T* y = lanes<T>(r);
  for (size_t i = 0; i < 16 / sizeof(T); ++i) y[i] = x;
  put(fp, o[0], r);
}
template <typename T>
void load_zero(u64* fp, const u32* o, uint8_t* mem) {
  V r{};
  std::memcpy(&r, at(fp, o, mem, 1), sizeof(T));
  put(fp, o[0], r);
}
template <typename T>
void load_lane(u64* fp, const u32* o, uint8_t* mem) {
  V r = get(fp, o[2]);
  std::memcpy(&lanes<T>(r)[o[4]], at(fp, o, mem, 1), sizeof(T));
  put(fp, o[0], r);
}
template <typename T>
void store_lane(u64* fp, const u32* o, uint8_t* mem) {
  V v = get(fp, o[1]);
  std::memcpy(at(fp, o, mem, 0), &lanes<T>(v)[o[4]], sizeof(T));
}
void v128_load(u64* fp, const u32* o, uint8_t* mem) {
  V r;
  std::memcpy(&r, at(fp, o, mem, 1), 16);
  put(fp, o[0], r);
}
void v128_store(u64* fp, const u32* o, uint8_t* mem) {
  // One 16-byte store: an access straddling the end of memory faults before writing anything.
  // The address has any alignment: the store goes through the unaligned-store intrinsic (a
  // 16-byte vector type named through `using ... aligned(1)` still demands 16-byte alignment
  // from clang, which UBSan reported for v128.store at address 1).
  V v = get(fp, o[1]);
  uint8_t* p = at(fp, o, mem, 0);
#if defined(__SSE2__)
  _mm_storeu_si128(reinterpret_cast<__m128i_u*>(p),
                   _mm_loadu_si128(reinterpret_cast<const __m128i_u*>(&v)));
#else
  std::memcpy(p, &v, 16);
#endif
}

// ---- lanes ----
template <typename T, typename S>
void splat(u64* fp, const u32* o, uint8_t*) {
  T x = T(S(fp[o[1]]));
  V r;
  T* y = lanes<T>(r);
  for (size_t i = 0; i < 16 / sizeof(T); ++i) y[i] = x;
  put(fp, o[0], r);
}
template <>
void splat<float, u32>(u64* fp, const u32* o, uint8_t*) {
  float x = std::bit_cast<float>(u32(fp[o[1]]));
  V r;
  for (float& y : r.f32_) y = x;
  put(fp, o[0], r);
}
template <>
void splat<double, u64>(u64* fp, const u32* o, uint8_t*) {
  double x = std::bit_cast<double>(fp[o[1]]);
  V r;
  for (double& y : r.f64_) y = x;
  put(fp, o[0], r);
}
// Extracted lanes land in a slot as the scalar type would: i32 and f32 zero-extended.
template <typename T, typename S>
void extract(u64* fp, const u32* o, uint8_t*) {
  V a = get(fp, o[1]);
  T x = lanes<T>(a)[o[4]];
  if constexpr (std::is_same_v<T, float>)
    fp[o[0]] = std::bit_cast<u32>(x);
  else if constexpr (std::is_same_v<T, double>)
    fp[o[0]] = std::bit_cast<u64>(x);
  else
    fp[o[0]] = u64(S(x));
}
template <typename T>
void replace(u64* fp, const u32* o, uint8_t*) {
  V a = get(fp, o[1]);
  u64 bits = fp[o[2]];
  std::memcpy(&lanes<T>(a)[o[4]], &bits, sizeof(T));  // little-endian: the low bytes
  put(fp, o[0], a);
}

void shuffle(u64* fp, const u32* o, uint8_t*) {
  V a = get(fp, o[1]), b = get(fp, o[2]), idx = get(fp, o[3]), r;
  for (int i = 0; i < 16; ++i) {
    u8 k = idx.u8_[i];
    r.u8_[i] = k < 16 ? a.u8_[k] : b.u8_[k & 15];
  }
  put(fp, o[0], r);
}
void swizzle(u64* fp, const u32* o, uint8_t*) {
  V a = get(fp, o[1]), s = get(fp, o[2]), r;
  for (int i = 0; i < 16; ++i) r.u8_[i] = s.u8_[i] < 16 ? a.u8_[s.u8_[i]] : 0;
  put(fp, o[0], r);
}

// ---- tests ----
void any_true(u64* fp, const u32* o, uint8_t*) {
  V a = get(fp, o[1]);
  fp[o[0]] = (a.u64_[0] | a.u64_[1]) != 0;
}
template <typename T>
void all_true(u64* fp, const u32* o, uint8_t*) {
  V a = get(fp, o[1]);
  bool all = true;
  for (size_t i = 0; i < 16 / sizeof(T); ++i) all &= lanes<T>(a)[i] != 0;
  fp[o[0]] = all;
}
template <typename T>  // T signed
void bitmask(u64* fp, const u32* o, uint8_t*) {
  V a = get(fp, o[1]);
  u32 m = 0;
  for (size_t i = 0; i < 16 / sizeof(T); ++i) m |= u32(lanes<T>(a)[i] < 0) << i;
  fp[o[0]] = m;
}

// ---- shifts: the count is taken modulo the lane width ----
template <typename T>
void shl(u64* fp, const u32* o, uint8_t*) {
  using U = std::make_unsigned_t<T>;
  u32 k = u32(fp[o[2]]) & (sizeof(T) * 8 - 1);
  map1<U, U>(fp, o, [k](U x) { return U(x << k); });
}
template <typename T>
void shr(u64* fp, const u32* o, uint8_t*) {
  u32 k = u32(fp[o[2]]) & (sizeof(T) * 8 - 1);
  map1<T, T>(fp, o, [k](T x) { return T(x >> k); });
}

// ---- integer arithmetic ----
template <typename T>
inline T wrap_add(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return T(U(U(a) + U(b)));
}
template <typename T>
inline T wrap_sub(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return T(U(U(a) - U(b)));
}
template <typename T>
inline T wrap_mul(T a, T b) {
  using U = std::make_unsigned_t<T>;
  // Promote below int, so a u16 product does not overflow a signed int.
  using P = std::conditional_t<(sizeof(T) < 4), u32, U>;
  return T(U(P(U(a)) * P(U(b))));
}
template <typename T>
inline T wrap_neg(T a) {
  return wrap_sub<T>(T(0), a);
}
template <typename T>
inline T wrap_abs(T a) {
  return a < 0 ? wrap_neg(a) : a;
}

// Narrowing: signed source lanes, saturated into the signed or unsigned narrower type; a
// supplies the low half of the result, b the high half.
template <typename From, typename To>
void narrow(u64* fp, const u32* o, uint8_t*) {
  V a = get(fp, o[1]), b = get(fp, o[2]), r;
  constexpr int n = 16 / sizeof(From);
  for (int i = 0; i < n; ++i) lanes<To>(r)[i] = sat<To>(lanes<From>(a)[i]);
  for (int i = 0; i < n; ++i) lanes<To>(r)[n + i] = sat<To>(lanes<From>(b)[i]);
  put(fp, o[0], r);
}
template <typename From, typename To>
void extend(u64* fp, const u32* o, bool high) {
  V a = get(fp, o[1]), r;
  constexpr int n = 16 / sizeof(To);
  for (int i = 0; i < n; ++i) lanes<To>(r)[i] = To(lanes<From>(a)[i + (high ? n : 0)]);
  put(fp, o[0], r);
}
template <typename From, typename To, bool High>
void extend_fn(u64* fp, const u32* o, uint8_t*) {
  extend<From, To>(fp, o, High);
}
template <typename From, typename To, bool High>
void extmul(u64* fp, const u32* o, uint8_t*) {
  V a = get(fp, o[1]), b = get(fp, o[2]), r;
  constexpr int n = 16 / sizeof(To);
  for (int i = 0; i < n; ++i)
    lanes<To>(r)[i] = wrap_mul<To>(To(lanes<From>(a)[i + (High ? n : 0)]),
                                   To(lanes<From>(b)[i + (High ? n : 0)]));
  put(fp, o[0], r);
}
template <typename From, typename To>
void extadd_pairwise(u64* fp, const u32* o, uint8_t*) {
  V a = get(fp, o[1]), r;
  constexpr int n = 16 / sizeof(To);
  for (int i = 0; i < n; ++i)
    lanes<To>(r)[i] = To(To(lanes<From>(a)[2 * i]) + To(lanes<From>(a)[2 * i + 1]));
  put(fp, o[0], r);
}
void dot_i16x8(u64* fp, const u32* o, uint8_t*) {
  V a = get(fp, o[1]), b = get(fp, o[2]), r;
  for (int i = 0; i < 4; ++i) {
    i64 s = i64(a.i16_[2 * i]) * b.i16_[2 * i] + i64(a.i16_[2 * i + 1]) * b.i16_[2 * i + 1];
    r.u32_[i] = u32(u64(s));  // only (-2^15)^2 * 2 = 2^31 overflows; it wraps
  }
  put(fp, o[0], r);
}
void q15mulr_sat(u64* fp, const u32* o, uint8_t*) {
  map2<i16, i16>(fp, o, [](i16 x, i16 y) { return sat<i16>((i32(x) * y + 0x4000) >> 15); });
}
void popcnt(u64* fp, const u32* o, uint8_t*) {
  map1<u8, u8>(fp, o, [](u8 x) { return u8(std::popcount(x)); });
}

// ---- floats ----
// pmin/pmax are defined by `<` alone (b < a ? b : a), unlike min/max: a NaN in a is kept.
template <typename F>
inline F pmin(F a, F b) {
  return b < a ? b : a;
}
template <typename F>
inline F pmax(F a, F b) {
  return a < b ? b : a;
}

void demote_zero(u64* fp, const u32* o, uint8_t*) {
  V a = get(fp, o[1]), r{};
  r.f32_[0] = static_cast<float>(a.f64_[0]);
  r.f32_[1] = static_cast<float>(a.f64_[1]);
  put(fp, o[0], r);
}
void promote_low(u64* fp, const u32* o, uint8_t*) {
  V a = get(fp, o[1]), r;
  r.f64_[0] = a.f32_[0];
  r.f64_[1] = a.f32_[1];
  put(fp, o[0], r);
}
template <typename I>
void trunc_sat_f64_zero(u64* fp, const u32* o, uint8_t*) {
  V a = get(fp, o[1]), r{};
  lanes<I>(r)[0] = numeric::trunc_sat<I>(a.f64_[0]);
  lanes<I>(r)[1] = numeric::trunc_sat<I>(a.f64_[1]);
  put(fp, o[0], r);
}
template <typename I>
void convert_low(u64* fp, const u32* o, uint8_t*) {
  V a = get(fp, o[1]), r;
  r.f64_[0] = static_cast<double>(lanes<I>(a)[0]);
  r.f64_[1] = static_cast<double>(lanes<I>(a)[1]);
  put(fp, o[0], r);
}

// clang-format off
#define UN1(name, T, R, expr) void name(u64* fp, const u32* o, uint8_t*) { map1<T, R>(fp, o, [](T a) { return R(expr); }); }
#define BIN2(name, T, R, expr) void name(u64* fp, const u32* o, uint8_t*) { map2<T, R>(fp, o, [](T a, T b) { return R(expr); }); }
#define CMP(name, T, expr) BIN2(name, T, Mask<T>, mask<T>(expr))

CMP(i8x16_eq, i8, a == b) CMP(i8x16_ne, i8, a != b)
CMP(i8x16_lt_s, i8, a < b) CMP(i8x16_lt_u, u8, a < b) CMP(i8x16_gt_s, i8, a > b) CMP(i8x16_gt_u, u8, a > b)
CMP(i8x16_le_s, i8, a <= b) CMP(i8x16_le_u, u8, a <= b) CMP(i8x16_ge_s, i8, a >= b) CMP(i8x16_ge_u, u8, a >= b)
CMP(i16x8_eq, i16, a == b) CMP(i16x8_ne, i16, a != b)
CMP(i16x8_lt_s, i16, a < b) CMP(i16x8_lt_u, u16, a < b) CMP(i16x8_gt_s, i16, a > b) CMP(i16x8_gt_u, u16, a > b)
CMP(i16x8_le_s, i16, a <= b) CMP(i16x8_le_u, u16, a <= b) CMP(i16x8_ge_s, i16, a >= b) CMP(i16x8_ge_u, u16, a >= b)
CMP(i32x4_eq, i32, a == b) CMP(i32x4_ne, i32, a != b)
CMP(i32x4_lt_s, i32, a < b) CMP(i32x4_lt_u, u32, a < b) CMP(i32x4_gt_s, i32, a > b) CMP(i32x4_gt_u, u32, a > b)
CMP(i32x4_le_s, i32, a <= b) CMP(i32x4_le_u, u32, a <= b) CMP(i32x4_ge_s, i32, a >= b) CMP(i32x4_ge_u, u32, a >= b)
CMP(i64x2_eq, i64, a == b) CMP(i64x2_ne, i64, a != b)
CMP(i64x2_lt_s, i64, a < b) CMP(i64x2_gt_s, i64, a > b) CMP(i64x2_le_s, i64, a <= b) CMP(i64x2_ge_s, i64, a >= b)
CMP(f32x4_eq, float, a == b) CMP(f32x4_ne, float, a != b) CMP(f32x4_lt, float, a < b)
CMP(f32x4_gt, float, a > b) CMP(f32x4_le, float, a <= b) CMP(f32x4_ge, float, a >= b)
CMP(f64x2_eq, double, a == b) CMP(f64x2_ne, double, a != b) CMP(f64x2_lt, double, a < b)
CMP(f64x2_gt, double, a > b) CMP(f64x2_le, double, a <= b) CMP(f64x2_ge, double, a >= b)

UN1(v128_not, u64, u64, ~a)
BIN2(v128_and, u64, u64, a & b) BIN2(v128_andnot, u64, u64, a & ~b)
BIN2(v128_or, u64, u64, a | b) BIN2(v128_xor, u64, u64, a ^ b)
void v128_bitselect(u64* fp, const u32* o, uint8_t*) {
  V a = get(fp, o[1]), b = get(fp, o[2]), c = get(fp, o[3]), r;
  for (int i = 0; i < 2; ++i) r.u64_[i] = (a.u64_[i] & c.u64_[i]) | (b.u64_[i] & ~c.u64_[i]);
  put(fp, o[0], r);
}

UN1(i8x16_abs, i8, i8, wrap_abs(a)) UN1(i8x16_neg, i8, i8, wrap_neg(a))
UN1(i16x8_abs, i16, i16, wrap_abs(a)) UN1(i16x8_neg, i16, i16, wrap_neg(a))
UN1(i32x4_abs, i32, i32, wrap_abs(a)) UN1(i32x4_neg, i32, i32, wrap_neg(a))
UN1(i64x2_abs, i64, i64, wrap_abs(a)) UN1(i64x2_neg, i64, i64, wrap_neg(a))

BIN2(i8x16_add, u8, u8, a + b) BIN2(i8x16_sub, u8, u8, a - b)
BIN2(i8x16_add_sat_s, i8, i8, sat<i8>(i64(a) + b)) BIN2(i8x16_add_sat_u, u8, u8, sat<u8>(i64(a) + b))
BIN2(i8x16_sub_sat_s, i8, i8, sat<i8>(i64(a) - b)) BIN2(i8x16_sub_sat_u, u8, u8, sat<u8>(i64(a) - b))
BIN2(i8x16_min_s, i8, i8, a < b ? a : b) BIN2(i8x16_min_u, u8, u8, a < b ? a : b)
BIN2(i8x16_max_s, i8, i8, a > b ? a : b) BIN2(i8x16_max_u, u8, u8, a > b ? a : b)
BIN2(i8x16_avgr_u, u8, u8, (u32(a) + b + 1) >> 1)
BIN2(i16x8_add, u16, u16, a + b) BIN2(i16x8_sub, u16, u16, a - b) BIN2(i16x8_mul, u16, u16, wrap_mul(a, b))
BIN2(i16x8_add_sat_s, i16, i16, sat<i16>(i64(a) + b)) BIN2(i16x8_add_sat_u, u16, u16, sat<u16>(i64(a) + b))
BIN2(i16x8_sub_sat_s, i16, i16, sat<i16>(i64(a) - b)) BIN2(i16x8_sub_sat_u, u16, u16, sat<u16>(i64(a) - b))
BIN2(i16x8_min_s, i16, i16, a < b ? a : b) BIN2(i16x8_min_u, u16, u16, a < b ? a : b)
BIN2(i16x8_max_s, i16, i16, a > b ? a : b) BIN2(i16x8_max_u, u16, u16, a > b ? a : b)
BIN2(i16x8_avgr_u, u16, u16, (u32(a) + b + 1) >> 1)
BIN2(i32x4_add, u32, u32, a + b) BIN2(i32x4_sub, u32, u32, a - b) BIN2(i32x4_mul, u32, u32, a * b)
BIN2(i32x4_min_s, i32, i32, a < b ? a : b) BIN2(i32x4_min_u, u32, u32, a < b ? a : b)
BIN2(i32x4_max_s, i32, i32, a > b ? a : b) BIN2(i32x4_max_u, u32, u32, a > b ? a : b)
BIN2(i64x2_add, u64, u64, a + b) BIN2(i64x2_sub, u64, u64, a - b) BIN2(i64x2_mul, u64, u64, a * b)

// abs and neg flip or clear the sign bit only: NaN payloads pass through.
UN1(f32x4_abs, u32, u32, a & 0x7FFFFFFFu) UN1(f32x4_neg, u32, u32, a ^ 0x80000000u)
UN1(f64x2_abs, u64, u64, a & u64{0x7FFFFFFFFFFFFFFF}) UN1(f64x2_neg, u64, u64, a ^ u64{0x8000000000000000})
UN1(f32x4_sqrt, float, float, std::sqrt(a)) UN1(f64x2_sqrt, double, double, std::sqrt(a))
UN1(f32x4_ceil, float, float, numeric::ceil(a)) UN1(f32x4_floor, float, float, numeric::floor(a))
UN1(f32x4_trunc, float, float, numeric::trunc(a)) UN1(f32x4_nearest, float, float, numeric::nearest(a))
UN1(f64x2_ceil, double, double, numeric::ceil(a)) UN1(f64x2_floor, double, double, numeric::floor(a))
UN1(f64x2_trunc, double, double, numeric::trunc(a)) UN1(f64x2_nearest, double, double, numeric::nearest(a))
BIN2(f32x4_add, float, float, nan_first(a, b, a + b)) BIN2(f32x4_sub, float, float, nan_first(a, b, a - b))
BIN2(f32x4_mul, float, float, nan_first(a, b, a * b)) BIN2(f32x4_div, float, float, nan_first(a, b, a / b))
BIN2(f32x4_min, float, float, numeric::wasm_min(a, b)) BIN2(f32x4_max, float, float, numeric::wasm_max(a, b))
BIN2(f32x4_pmin, float, float, pmin(a, b)) BIN2(f32x4_pmax, float, float, pmax(a, b))
BIN2(f64x2_add, double, double, nan_first(a, b, a + b)) BIN2(f64x2_sub, double, double, nan_first(a, b, a - b))
BIN2(f64x2_mul, double, double, nan_first(a, b, a * b)) BIN2(f64x2_div, double, double, nan_first(a, b, a / b))
BIN2(f64x2_min, double, double, numeric::wasm_min(a, b)) BIN2(f64x2_max, double, double, numeric::wasm_max(a, b))
BIN2(f64x2_pmin, double, double, pmin(a, b)) BIN2(f64x2_pmax, double, double, pmax(a, b))
UN1(i32x4_trunc_sat_f32x4_s, float, i32, numeric::trunc_sat<i32>(a))
UN1(i32x4_trunc_sat_f32x4_u, float, u32, numeric::trunc_sat<u32>(a))
UN1(f32x4_convert_i32x4_s, i32, float, static_cast<float>(a))
UN1(f32x4_convert_i32x4_u, u32, float, static_cast<float>(a))
// clang-format on

}  // namespace

SimdFn simd_function(Op op) {
  switch (op) {
    case Op::V128Load: return v128_load;
    case Op::V128Load8x8S: return load_extend<i8, i16>;
    case Op::V128Load8x8U: return load_extend<u8, u16>;
    case Op::V128Load16x4S: return load_extend<i16, i32>;
    case Op::V128Load16x4U: return load_extend<u16, u32>;
    case Op::V128Load32x2S: return load_extend<i32, i64>;
    case Op::V128Load32x2U: return load_extend<u32, u64>;
    case Op::V128Load8Splat: return load_splat<u8>;
    case Op::V128Load16Splat: return load_splat<u16>;
    case Op::V128Load32Splat: return load_splat<u32>;
    case Op::V128Load64Splat: return load_splat<u64>;
    case Op::V128Store: return v128_store;
    case Op::V128Const: return nullptr;
    case Op::I8x16Shuffle: return shuffle;
    case Op::I8x16Swizzle: return swizzle;
    case Op::I8x16Splat: return splat<u8, u32>;
    case Op::I16x8Splat: return splat<u16, u32>;
    case Op::I32x4Splat: return splat<u32, u32>;
    case Op::I64x2Splat: return splat<u64, u64>;
    case Op::F32x4Splat: return splat<float, u32>;
    case Op::F64x2Splat: return splat<double, u64>;
    case Op::I8x16ExtractLaneS: return extract<i8, u32>;
    case Op::I8x16ExtractLaneU: return extract<u8, u32>;
    case Op::I8x16ReplaceLane: return replace<u8>;
    case Op::I16x8ExtractLaneS: return extract<i16, u32>;
    case Op::I16x8ExtractLaneU: return extract<u16, u32>;
    case Op::I16x8ReplaceLane: return replace<u16>;
    case Op::I32x4ExtractLane: return extract<u32, u32>;
    case Op::I32x4ReplaceLane: return replace<u32>;
    case Op::I64x2ExtractLane: return extract<u64, u64>;
    case Op::I64x2ReplaceLane: return replace<u64>;
    case Op::F32x4ExtractLane: return extract<float, u32>;
    case Op::F32x4ReplaceLane: return replace<u32>;
    case Op::F64x2ExtractLane: return extract<double, u64>;
    case Op::F64x2ReplaceLane: return replace<u64>;
    case Op::I8x16Eq: return i8x16_eq;
    case Op::I8x16Ne: return i8x16_ne;
    case Op::I8x16LtS: return i8x16_lt_s;
    case Op::I8x16LtU: return i8x16_lt_u;
    case Op::I8x16GtS: return i8x16_gt_s;
    case Op::I8x16GtU: return i8x16_gt_u;
    case Op::I8x16LeS: return i8x16_le_s;
    case Op::I8x16LeU: return i8x16_le_u;
    case Op::I8x16GeS: return i8x16_ge_s;
    case Op::I8x16GeU: return i8x16_ge_u;
    case Op::I16x8Eq: return i16x8_eq;
    case Op::I16x8Ne: return i16x8_ne;
    case Op::I16x8LtS: return i16x8_lt_s;
    case Op::I16x8LtU: return i16x8_lt_u;
    case Op::I16x8GtS: return i16x8_gt_s;
    case Op::I16x8GtU: return i16x8_gt_u;
    case Op::I16x8LeS: return i16x8_le_s;
    case Op::I16x8LeU: return i16x8_le_u;
    case Op::I16x8GeS: return i16x8_ge_s;
    case Op::I16x8GeU: return i16x8_ge_u;
    case Op::I32x4Eq: return i32x4_eq;
    case Op::I32x4Ne: return i32x4_ne;
    case Op::I32x4LtS: return i32x4_lt_s;
    case Op::I32x4LtU: return i32x4_lt_u;
    case Op::I32x4GtS: return i32x4_gt_s;
    case Op::I32x4GtU: return i32x4_gt_u;
    case Op::I32x4LeS: return i32x4_le_s;
    case Op::I32x4LeU: return i32x4_le_u;
    case Op::I32x4GeS: return i32x4_ge_s;
    case Op::I32x4GeU: return i32x4_ge_u;
    case Op::F32x4Eq: return f32x4_eq;
    case Op::F32x4Ne: return f32x4_ne;
    case Op::F32x4Lt: return f32x4_lt;
    case Op::F32x4Gt: return f32x4_gt;
    case Op::F32x4Le: return f32x4_le;
    case Op::F32x4Ge: return f32x4_ge;
    case Op::F64x2Eq: return f64x2_eq;
    case Op::F64x2Ne: return f64x2_ne;
    case Op::F64x2Lt: return f64x2_lt;
    case Op::F64x2Gt: return f64x2_gt;
    case Op::F64x2Le: return f64x2_le;
    case Op::F64x2Ge: return f64x2_ge;
    case Op::V128Not: return v128_not;
    case Op::V128And: return v128_and;
    case Op::V128AndNot: return v128_andnot;
    case Op::V128Or: return v128_or;
    case Op::V128Xor: return v128_xor;
    case Op::V128Bitselect: return v128_bitselect;
    case Op::V128AnyTrue: return any_true;
    case Op::V128Load8Lane: return load_lane<u8>;
    case Op::V128Load16Lane: return load_lane<u16>;
    case Op::V128Load32Lane: return load_lane<u32>;
    case Op::V128Load64Lane: return load_lane<u64>;
    case Op::V128Store8Lane: return store_lane<u8>;
    case Op::V128Store16Lane: return store_lane<u16>;
    case Op::V128Store32Lane: return store_lane<u32>;
    case Op::V128Store64Lane: return store_lane<u64>;
    case Op::V128Load32Zero: return load_zero<u32>;
    case Op::V128Load64Zero: return load_zero<u64>;
    case Op::F32x4DemoteF64x2Zero: return demote_zero;
    case Op::F64x2PromoteLowF32x4: return promote_low;
    case Op::I8x16Abs: return i8x16_abs;
    case Op::I8x16Neg: return i8x16_neg;
    case Op::I8x16Popcnt: return popcnt;
    case Op::I8x16AllTrue: return all_true<u8>;
    case Op::I8x16Bitmask: return bitmask<i8>;
    case Op::I8x16NarrowI16x8S: return narrow<i16, i8>;
    case Op::I8x16NarrowI16x8U: return narrow<i16, u8>;
    case Op::F32x4Ceil: return f32x4_ceil;
    case Op::F32x4Floor: return f32x4_floor;
    case Op::F32x4Trunc: return f32x4_trunc;
    case Op::F32x4Nearest: return f32x4_nearest;
    case Op::I8x16Shl: return shl<i8>;
    case Op::I8x16ShrS: return shr<i8>;
    case Op::I8x16ShrU: return shr<u8>;
    case Op::I8x16Add: return i8x16_add;
    case Op::I8x16AddSatS: return i8x16_add_sat_s;
    case Op::I8x16AddSatU: return i8x16_add_sat_u;
    case Op::I8x16Sub: return i8x16_sub;
    case Op::I8x16SubSatS: return i8x16_sub_sat_s;
    case Op::I8x16SubSatU: return i8x16_sub_sat_u;
    case Op::F64x2Ceil: return f64x2_ceil;
    case Op::F64x2Floor: return f64x2_floor;
    case Op::I8x16MinS: return i8x16_min_s;
    case Op::I8x16MinU: return i8x16_min_u;
    case Op::I8x16MaxS: return i8x16_max_s;
    case Op::I8x16MaxU: return i8x16_max_u;
    case Op::F64x2Trunc: return f64x2_trunc;
    case Op::I8x16AvgrU: return i8x16_avgr_u;
    case Op::I16x8ExtaddPairwiseI8x16S: return extadd_pairwise<i8, i16>;
    case Op::I16x8ExtaddPairwiseI8x16U: return extadd_pairwise<u8, u16>;
    case Op::I32x4ExtaddPairwiseI16x8S: return extadd_pairwise<i16, i32>;
    case Op::I32x4ExtaddPairwiseI16x8U: return extadd_pairwise<u16, u32>;
    case Op::I16x8Abs: return i16x8_abs;
    case Op::I16x8Neg: return i16x8_neg;
    case Op::I16x8Q15mulrSatS: return q15mulr_sat;
    case Op::I16x8AllTrue: return all_true<u16>;
    case Op::I16x8Bitmask: return bitmask<i16>;
    case Op::I16x8NarrowI32x4S: return narrow<i32, i16>;
    case Op::I16x8NarrowI32x4U: return narrow<i32, u16>;
    case Op::I16x8ExtendLowI8x16S: return extend_fn<i8, i16, false>;
    case Op::I16x8ExtendHighI8x16S: return extend_fn<i8, i16, true>;
    case Op::I16x8ExtendLowI8x16U: return extend_fn<u8, u16, false>;
    case Op::I16x8ExtendHighI8x16U: return extend_fn<u8, u16, true>;
    case Op::I16x8Shl: return shl<i16>;
    case Op::I16x8ShrS: return shr<i16>;
    case Op::I16x8ShrU: return shr<u16>;
    case Op::I16x8Add: return i16x8_add;
    case Op::I16x8AddSatS: return i16x8_add_sat_s;
    case Op::I16x8AddSatU: return i16x8_add_sat_u;
    case Op::I16x8Sub: return i16x8_sub;
    case Op::I16x8SubSatS: return i16x8_sub_sat_s;
    case Op::I16x8SubSatU: return i16x8_sub_sat_u;
    case Op::F64x2Nearest: return f64x2_nearest;
    case Op::I16x8Mul: return i16x8_mul;
    case Op::I16x8MinS: return i16x8_min_s;
    case Op::I16x8MinU: return i16x8_min_u;
    case Op::I16x8MaxS: return i16x8_max_s;
    case Op::I16x8MaxU: return i16x8_max_u;
    case Op::I16x8AvgrU: return i16x8_avgr_u;
    case Op::I16x8ExtmulLowI8x16S: return extmul<i8, i16, false>;
    case Op::I16x8ExtmulHighI8x16S: return extmul<i8, i16, true>;
    case Op::I16x8ExtmulLowI8x16U: return extmul<u8, u16, false>;
    case Op::I16x8ExtmulHighI8x16U: return extmul<u8, u16, true>;
    case Op::I32x4Abs: return i32x4_abs;
    case Op::I32x4Neg: return i32x4_neg;
    case Op::I32x4AllTrue: return all_true<u32>;
    case Op::I32x4Bitmask: return bitmask<i32>;
    case Op::I32x4ExtendLowI16x8S: return extend_fn<i16, i32, false>;
    case Op::I32x4ExtendHighI16x8S: return extend_fn<i16, i32, true>;
    case Op::I32x4ExtendLowI16x8U: return extend_fn<u16, u32, false>;
    case Op::I32x4ExtendHighI16x8U: return extend_fn<u16, u32, true>;
    case Op::I32x4Shl: return shl<i32>;
    case Op::I32x4ShrS: return shr<i32>;
    case Op::I32x4ShrU: return shr<u32>;
    case Op::I32x4Add: return i32x4_add;
    case Op::I32x4Sub: return i32x4_sub;
    case Op::I32x4Mul: return i32x4_mul;
    case Op::I32x4MinS: return i32x4_min_s;
    case Op::I32x4MinU: return i32x4_min_u;
    case Op::I32x4MaxS: return i32x4_max_s;
    case Op::I32x4MaxU: return i32x4_max_u;
    case Op::I32x4DotI16x8S: return dot_i16x8;
    case Op::I32x4ExtmulLowI16x8S: return extmul<i16, i32, false>;
    case Op::I32x4ExtmulHighI16x8S: return extmul<i16, i32, true>;
    case Op::I32x4ExtmulLowI16x8U: return extmul<u16, u32, false>;
    case Op::I32x4ExtmulHighI16x8U: return extmul<u16, u32, true>;
    case Op::I64x2Abs: return i64x2_abs;
    case Op::I64x2Neg: return i64x2_neg;
    case Op::I64x2AllTrue: return all_true<u64>;
    case Op::I64x2Bitmask: return bitmask<i64>;
    case Op::I64x2ExtendLowI32x4S: return extend_fn<i32, i64, false>;
    case Op::I64x2ExtendHighI32x4S: return extend_fn<i32, i64, true>;
    case Op::I64x2ExtendLowI32x4U: return extend_fn<u32, u64, false>;
    case Op::I64x2ExtendHighI32x4U: return extend_fn<u32, u64, true>;
    case Op::I64x2Shl: return shl<i64>;
    case Op::I64x2ShrS: return shr<i64>;
    case Op::I64x2ShrU: return shr<u64>;
    case Op::I64x2Add: return i64x2_add;
    case Op::I64x2Sub: return i64x2_sub;
    case Op::I64x2Mul: return i64x2_mul;
    case Op::I64x2Eq: return i64x2_eq;
    case Op::I64x2Ne: return i64x2_ne;
    case Op::I64x2LtS: return i64x2_lt_s;
    case Op::I64x2GtS: return i64x2_gt_s;
    case Op::I64x2LeS: return i64x2_le_s;
    case Op::I64x2GeS: return i64x2_ge_s;
    case Op::I64x2ExtmulLowI32x4S: return extmul<i32, i64, false>;
    case Op::I64x2ExtmulHighI32x4S: return extmul<i32, i64, true>;
    case Op::I64x2ExtmulLowI32x4U: return extmul<u32, u64, false>;
    case Op::I64x2ExtmulHighI32x4U: return extmul<u32, u64, true>;
    case Op::F32x4Abs: return f32x4_abs;
    case Op::F32x4Neg: return f32x4_neg;
    case Op::F32x4Sqrt: return f32x4_sqrt;
    case Op::F32x4Add: return f32x4_add;
    case Op::F32x4Sub: return f32x4_sub;
    case Op::F32x4Mul: return f32x4_mul;
    case Op::F32x4Div: return f32x4_div;
    case Op::F32x4Min: return f32x4_min;
    case Op::F32x4Max: return f32x4_max;
    case Op::F32x4Pmin: return f32x4_pmin;
    case Op::F32x4Pmax: return f32x4_pmax;
    case Op::F64x2Abs: return f64x2_abs;
    case Op::F64x2Neg: return f64x2_neg;
    case Op::F64x2Sqrt: return f64x2_sqrt;
    case Op::F64x2Add: return f64x2_add;
    case Op::F64x2Sub: return f64x2_sub;
    case Op::F64x2Mul: return f64x2_mul;
    case Op::F64x2Div: return f64x2_div;
    case Op::F64x2Min: return f64x2_min;
    case Op::F64x2Max: return f64x2_max;
    case Op::F64x2Pmin: return f64x2_pmin;
    case Op::F64x2Pmax: return f64x2_pmax;
    case Op::I32x4TruncSatF32x4S: return i32x4_trunc_sat_f32x4_s;
    case Op::I32x4TruncSatF32x4U: return i32x4_trunc_sat_f32x4_u;
    case Op::F32x4ConvertI32x4S: return f32x4_convert_i32x4_s;
    case Op::F32x4ConvertI32x4U: return f32x4_convert_i32x4_u;
    case Op::I32x4TruncSatF64x2SZero: return trunc_sat_f64_zero<i32>;
    case Op::I32x4TruncSatF64x2UZero: return trunc_sat_f64_zero<u32>;
    case Op::F64x2ConvertLowI32x4S: return convert_low<i32>;
    case Op::F64x2ConvertLowI32x4U: return convert_low<u32>;
    default: return nullptr;
  }
}

}  // namespace wc::engine
