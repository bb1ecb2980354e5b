#include "engine/binary/binary_reader.h"

namespace wc::engine {

// Running out of bytes is reported at the end of the range (where the data stopped), which is
// also how the decoder tells a truncated section or body from a truncated module.
[[noreturn]] static void unexpected_end(size_t end) { throw DecodeError(end, "unexpected end"); }

void BinaryReader::fail_unexpected_end() const { unexpected_end(end_); }

uint32_t BinaryReader::u32_fixed() {
  if (remaining() < 4) unexpected_end(end_);
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p_[pos_ + i];
  pos_ += 4;
  return v;
}

uint64_t BinaryReader::u64_fixed() {
  if (remaining() < 8) unexpected_end(end_);
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p_[pos_ + i];
  pos_ += 8;
  return v;
}

// LEB128 of an N-bit integer takes at most ceil(N/7) bytes. The last allowed byte must not have
// the continuation bit ("too long"), and its bits beyond N must be zero ("too large"): the spec
// rejects such encodings even though a lenient reader could ignore them.
template <unsigned bits>
uint64_t BinaryReader::read_unsigned() {
  const size_t start = pos_;
  constexpr unsigned max_bytes = (bits + 6) / 7;
  uint64_t result = 0;
  for (unsigned i = 0;; ++i) {
    const uint8_t b = u8();
    const unsigned shift = 7 * i;
    result |= uint64_t(b & 0x7F) << shift;
    if (i + 1 == max_bytes) {
      if (b & 0x80) throw DecodeError(start, "integer representation too long");
      const unsigned used = bits - shift;  // payload bits of this byte that belong to the value
      if ((b & 0x7F) >> used) throw DecodeError(start, "integer too large");
      return result;
    }
    if (!(b & 0x80)) return result;
  }
}

// As above, but the unused bits of the last allowed byte must be copies of the sign bit.
template <unsigned bits>
int64_t BinaryReader::read_signed() {
  const size_t start = pos_;
  constexpr unsigned max_bytes = (bits + 6) / 7;
  uint64_t result = 0;
  for (unsigned i = 0;; ++i) {
    const uint8_t b = u8();
    const unsigned shift = 7 * i;
    result |= uint64_t(b & 0x7F) << shift;
    const bool last = i + 1 == max_bytes;
    if (last && (b & 0x80)) throw DecodeError(start, "integer representation too long");
    if (last) {
      // Bits [used-1, 6] of the payload: the value's sign bit and the unused bits above it.
      const unsigned used = bits - shift;
      const unsigned top = (b & 0x7F) >> (used - 1);
      if (top != 0 && top != (0x7Fu >> (used - 1))) throw DecodeError(start, "integer too large");
    }
    if (last || !(b & 0x80)) {
      const unsigned width = shift + 7;
      if (width < 64 && (b & 0x40)) result |= ~uint64_t(0) << width;  // sign-extend
      return int64_t(result);
    }
  }
}

// The widths the inline readers in the header use.
template uint64_t BinaryReader::read_unsigned<32>();
template int64_t BinaryReader::read_signed<32>();
template int64_t BinaryReader::read_signed<64>();

uint64_t BinaryReader::u64() { return read_unsigned<64>(); }
int64_t BinaryReader::s33() { return read_signed<33>(); }

void BinaryReader::skip(size_t n) {
  if (n > remaining()) unexpected_end(end_);
  pos_ += n;
}

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
static bool valid_utf8(const uint8_t* s, size_t n) {
  size_t i = 0;
  while (i < n) {
    const uint8_t c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    // Sequence length from the lead byte; 0 for a stray continuation byte or 0xF8..0xFF.
    const size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0) return false;
    static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};  // below: overlong
    uint32_t cp = c & (0x7F >> len);
    if (n - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if (cp < kMinForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

std::string BinaryReader::name() {
  const size_t start = pos_;
  const uint32_t len = u32();
  if (len > remaining()) throw DecodeError(start, "length out of bounds");
  const uint8_t* s = p_ + pos_;
  if (!valid_utf8(s, len)) fail("malformed UTF-8 encoding");
  pos_ += len;
  return std::string(reinterpret_cast<const char*>(s), len);
}

}  // namespace wc::engine
