// The few pieces of the binary format the text encoder writes: LEB128 numbers, names, vectors
// and sections.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace wc::engine::text {

class BinaryWriter {
 public:
  std::vector<uint8_t> bytes;

  void byte(uint8_t b) { bytes.push_back(b); }
  void u32(uint64_t v) {
    do {
      uint8_t b = v & 0x7F;
      v >>= 7;
      bytes.push_back(v ? (b | 0x80) : b);
    } while (v);
  }
  void s64(int64_t v) {
    for (;;) {
      uint8_t b = v & 0x7F;
      v >>= 7;  // arithmetic shift: the sign is kept
      bool done = (v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40));
      bytes.push_back(done ? b : (b | 0x80));
      if (done) return;
    }
  }
  void fixed(uint64_t bits, int size) {
    for (int i = 0; i < size; ++i) bytes.push_back(static_cast<uint8_t>(bits >> (8 * i)));
  }
  void name(std::string_view s) {
    u32(s.size());
    bytes.insert(bytes.end(), s.begin(), s.end());
  }
  void append(const std::vector<uint8_t>& more) {
    bytes.insert(bytes.end(), more.begin(), more.end());
  }
  // A length-prefixed block: the element count followed by the elements' bytes.
  void vec(uint32_t count, const std::vector<uint8_t>& elems) {
    u32(count);
    append(elems);
  }
  void section(uint8_t id, const std::vector<uint8_t>& payload) {
    byte(id);
    u32(payload.size());
    append(payload);
  }
  // An opcode, with its prefix byte when it has one (opcodes.h numbers them prefix << 16 | sub).
  void op(uint32_t code) {
    if (code > 0xFF) {
      byte(static_cast<uint8_t>(code >> 16));
      u32(code & 0xFFFF);
    } else {
      byte(static_cast<uint8_t>(code));
    }
  }
};

}  // namespace wc::engine::text
