// Bounds-checked cursor over module bytes with the spec's LEB128 rules (size and unused-bit
// checks). Every failure throws DecodeError carrying the byte offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace wc::engine {

class DecodeError : public std::runtime_error {
 public:
  DecodeError(size_t offset, const std::string& what) : std::runtime_error(what), offset_(offset) {}
  size_t offset() const { return offset_; }

 private:
  size_t offset_;
};

class BinaryReader {
 public:
  BinaryReader(const uint8_t* bytes, size_t begin, size_t end)
      : p_(bytes), pos_(begin), end_(end) {}

  size_t pos() const { return pos_; }
  size_t end() const { return end_; }
  bool at_end() const { return pos_ >= end_; }
  size_t remaining() const { return end_ - pos_; }
  const uint8_t* data() const { return p_; }

  // The one-byte cases of u8 and the LEB128 reads are inline: they are most of the bytes of a
  // code section, and the decoder and the validator each read every instruction. Anything
  // longer (or past the end) takes the general, checked path out of line.
  uint8_t u8() {
    if (pos_ >= end_) [[unlikely]]
      fail_unexpected_end();
    return p_[pos_++];
  }
  uint32_t u32() {  // unsigned LEB128, at most 5 bytes
    if (pos_ < end_ && p_[pos_] < 0x80) [[likely]]
      return p_[pos_++];
    return uint32_t(read_unsigned<32>());
  }
  int32_t s32() {  // signed LEB128, at most 5 bytes
    if (pos_ < end_ && p_[pos_] < 0x80) [[likely]]
      return one_byte_signed();
    return int32_t(read_signed<32>());
  }
  int64_t s64() {  // signed LEB128, at most 10 bytes
    if (pos_ < end_ && p_[pos_] < 0x80) [[likely]]
      return one_byte_signed();
    return read_signed<64>();
  }
  uint32_t u32_fixed();  // little-endian, 4 bytes
  uint64_t u64_fixed();
  uint64_t u64();      // unsigned LEB128, at most 10 bytes
  int64_t s33();       // signed LEB128, at most 5 bytes (block type indices)
  std::string name();  // length-prefixed, must be valid UTF-8
  void skip(size_t n);
  [[noreturn]] void fail(const std::string& what) const { throw DecodeError(pos_, what); }

 private:
  // A single byte without the continuation bit: 7 payload bits, bit 6 the sign.
  int32_t one_byte_signed() {
    const uint8_t b = p_[pos_++];
    return (b & 0x40) ? int32_t(b) - 0x80 : int32_t(b);
  }
  [[noreturn]] void fail_unexpected_end() const;
  // The general LEB128 readers, for an integer of `bits` bits (a constant, so the loops unroll).
  template <unsigned bits>
  uint64_t read_unsigned();
  template <unsigned bits>
  int64_t read_signed();

  const uint8_t* p_;
  size_t pos_;
  size_t end_;
};

}  // namespace wc::engine
