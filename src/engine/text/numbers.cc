#include "engine/text/numbers.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

namespace wc::engine::text {
namespace {

bool is_digit(char c, bool hex) {
  return (c >= '0' && c <= '9') || (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
}

// Digits with single underscores between them, starting at s[i]; returns how many chars.
size_t digits(std::string_view s, size_t i, bool hex) {
  size_t b = i;
  if (i >= s.size() || !is_digit(s[i], hex)) return 0;
  while (i < s.size()) {
    if (is_digit(s[i], hex)) {
      ++i;
    } else if (s[i] == '_' && i + 1 < s.size() && is_digit(s[i + 1], hex)) {
      i += 2;
    } else {
      break;
    }
  }
  return i - b;
}

std::string without_underscores(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s)
    if (c != '_') out += c;
  return out;
}

// Unsigned magnitude; nullopt on malformed text or overflow of 64 bits.
std::optional<uint64_t> magnitude(std::string_view s) {
  bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x');
  size_t start = hex ? 2 : 0;
  if (digits(s, start, hex) != s.size() - start || s.size() == start) return std::nullopt;
  uint64_t v = 0;
  uint64_t base = hex ? 16 : 10;
  for (size_t i = start; i < s.size(); ++i) {
    char c = s[i];
    if (c == '_') continue;
    uint64_t d = (c >= '0' && c <= '9') ? c - '0' : (c | 0x20) - 'a' + 10;
    if (v > (UINT64_MAX - d) / base) return std::nullopt;
    v = v * base + d;
  }
  return v;
}

// The grammar of a finite float literal (without sign): decimal or hex mantissa, optional
// fraction, optional exponent.
bool is_float_syntax(std::string_view s) {
  bool hex = s.size() > 2 && s[0] == '0' && s[1] == 'x';
  size_t i = hex ? 2 : 0;
  size_t n = digits(s, i, hex);
  if (n == 0) return false;
  i += n;
  if (i < s.size() && s[i] == '.') {
    ++i;
    i += digits(s, i, hex);
  }
  if (i < s.size() && (hex ? (s[i] == 'p' || s[i] == 'P') : (s[i] == 'e' || s[i] == 'E'))) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t e = digits(s, i, false);
    if (e == 0) return false;
    i += e;
  }
  return i == s.size();
}

template <typename Bits>
std::optional<Bits> parse_float(std::string_view s, unsigned mantissa_bits, unsigned exp_bits) {
  bool negative = !s.empty() && s[0] == '-';
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  const Bits sign = negative ? Bits{1} << (mantissa_bits + exp_bits) : 0;
  const Bits exp_all_ones = ((Bits{1} << exp_bits) - 1) << mantissa_bits;
  const Bits mantissa_mask = (Bits{1} << mantissa_bits) - 1;
  if (s == "inf") return sign | exp_all_ones;
  if (s == "nan") return sign | exp_all_ones | (Bits{1} << (mantissa_bits - 1));
  if (s.starts_with("nan:0x")) {
    auto payload = magnitude(s.substr(4));
    if (!payload || *payload == 0 || *payload > mantissa_mask) return std::nullopt;
    return sign | exp_all_ones | static_cast<Bits>(*payload);
  }
  if (!is_float_syntax(s)) return std::nullopt;
  std::string clean = without_underscores(s);
  errno = 0;
  Bits bits;
  // strtof/strtod round correctly (glibc), also for hex floats; f32 is converted directly so
  // there is no double rounding through f64.
  if constexpr (sizeof(Bits) == 4) {
    float f = std::strtof(clean.c_str(), nullptr);
    if (std::isinf(f)) return std::nullopt;
    std::memcpy(&bits, &f, sizeof bits);
  } else {
    double d = std::strtod(clean.c_str(), nullptr);
    if (std::isinf(d)) return std::nullopt;
    std::memcpy(&bits, &d, sizeof bits);
  }
  return bits | sign;
}

}  // namespace

std::optional<uint64_t> parse_nat(std::string_view s, uint64_t max) {
  auto v = magnitude(s);
  if (!v || *v > max) return std::nullopt;
  return v;
}

std::optional<uint64_t> parse_int(std::string_view s, unsigned bits) {
  bool negative = !s.empty() && s[0] == '-';
  bool has_sign = !s.empty() && (s[0] == '-' || s[0] == '+');
  auto v = magnitude(has_sign ? s.substr(1) : s);
  if (!v) return std::nullopt;
  uint64_t mask = bits == 64 ? UINT64_MAX : (uint64_t{1} << bits) - 1;
  uint64_t min_magnitude = uint64_t{1} << (bits - 1);  // |INT_MIN|
  if (negative) {
    if (*v > min_magnitude) return std::nullopt;
    return (0 - *v) & mask;
  }
  if (has_sign && *v > min_magnitude - 1) return std::nullopt;  // "+" means signed
  if (*v > mask) return std::nullopt;
  return *v;
}

std::optional<uint32_t> parse_f32(std::string_view s) { return parse_float<uint32_t>(s, 23, 8); }
std::optional<uint64_t> parse_f64(std::string_view s) { return parse_float<uint64_t>(s, 52, 11); }

}  // namespace wc::engine::text
