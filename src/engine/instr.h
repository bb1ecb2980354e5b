// One decoded instruction and the reader that produces them from a code byte range.
// Shared by the decoder (constant expressions), the validator and the interpreter's translator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/binary/binary_reader.h"
#include "engine/opcodes.h"
#include "engine/types.h"

namespace wc::engine {

struct BlockType {
  enum class Kind : uint8_t { Empty, Value, TypeIndex };
  Kind kind = Kind::Empty;
  ValType value = ValType::I32;  // Kind::Value
  uint32_t type_index = 0;  // Kind::TypeIndex (already checked >= 0; bound-checked by validator)
};

struct MemArg {
  uint32_t align = 0;   // log2, as encoded
  uint32_t memory = 0;  // always 0 without multi-memory
  uint64_t offset = 0;
};

struct Instr {
  Op op = Op::Nop;
  size_t offset = 0;  // of the opcode byte in the module
  BlockType block;    // block, loop, if
  uint32_t idx = 0;   // first index immediate (label, local, global, func, type, table, data, elem)
  uint32_t idx2 = 0;  // second index immediate (call_indirect table, memory.init memory, copy src)
  MemArg mem;         // loads and stores
  uint64_t bits = 0;  // i32/i64/f32/f64 constant, as raw bits (i32 sign-extended to 64);
                      // v128.const / i8x16.shuffle: the low 8 of the 16 immediate bytes
  uint64_t bits_hi = 0;           // v128.const / i8x16.shuffle: the high 8 immediate bytes
  uint8_t lane = 0;               // lane index of extract_lane, replace_lane, load/store*_lane
  ValType type = ValType::I32;    // ref.null, typed select
  std::vector<uint32_t> targets;  // br_table labels; the default is in idx
};

// Reads instructions from [begin, end) of `bytes`. Malformed encodings throw DecodeError
// (unknown opcode, bad LEB128, reserved byte not zero, ...). Typing is the validator's job.
class InstrReader {
 public:
  InstrReader(const uint8_t* bytes, size_t begin, size_t end) : reader_(bytes, begin, end) {}
  bool at_end() const { return reader_.at_end(); }
  size_t pos() const { return reader_.pos(); }
  void read(Instr& out);  // reuses out.targets' capacity

 private:
  void read_simd(Instr& out, uint8_t first, uint32_t sub);
  BinaryReader reader_;
};

}  // namespace wc::engine
