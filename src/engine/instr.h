// One decoded instruction and the reader that produces them from a code byte range.
// Shared by the decoder (constant expressions), the validator and the interpreter's translator.
#pragma once

#include <array>
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

// Fields ordered so that the small ones fill the padding (88 bytes rather than 96): a constant
// expression keeps its instructions, and a Go module has 100000 of them.
struct Instr {
  Op op = Op::Nop;
  uint32_t idx = 0;   // first index immediate (label, local, global, func, type, table, data, elem)
  size_t offset = 0;  // of the opcode byte in the module
  BlockType block;    // block, loop, if
  uint32_t idx2 = 0;  // second index immediate (call_indirect table, memory.init memory, copy src)
  uint8_t lane = 0;   // lane index of extract_lane, replace_lane, load/store*_lane
  ValType type = ValType::I32;  // ref.null, typed select
  MemArg mem;                   // loads and stores
  uint64_t bits = 0;            // i32/i64/f32/f64 constant, as raw bits (i32 sign-extended to 64);
                                // v128.const / i8x16.shuffle: the low 8 of the 16 immediate bytes
  uint64_t bits_hi = 0;         // v128.const / i8x16.shuffle: the high 8 immediate bytes
  std::vector<uint32_t> targets;  // br_table labels; the default is in idx
};

// How the immediates of a single-byte opcode are encoded, for InstrReader's inline fast path.
// Most instructions of real code have none, one index or a memarg; Other covers the rest
// (including prefixes and illegal opcodes), which the out-of-line switch handles.
enum class InstrShape : uint8_t { Other, None, Index, MemArg };

inline constexpr std::array<InstrShape, 256> kInstrShapes = [] {
  std::array<InstrShape, 256> t{};
#define WC_SHAPE6(name, code, text, a, b, c) \
  if (code < 0x100) t[code] = SHAPE;
#define SHAPE InstrShape::None
  WC_NUMERIC_OPS(WC_SHAPE6)
#undef SHAPE
#define SHAPE InstrShape::MemArg
  WC_LOAD_OPS(WC_SHAPE6)
  WC_STORE_OPS(WC_SHAPE6)
#undef SHAPE
#undef WC_SHAPE6
  for (Op op : {Op::Unreachable, Op::Nop, Op::Else, Op::End, Op::Return, Op::Drop, Op::Select,
                Op::RefIsNull})
    t[uint32_t(op)] = InstrShape::None;
  for (Op op : {Op::Br, Op::BrIf, Op::Call, Op::LocalGet, Op::LocalSet, Op::LocalTee, Op::GlobalGet,
                Op::GlobalSet, Op::TableGet, Op::TableSet, Op::RefFunc})
    t[uint32_t(op)] = InstrShape::Index;
  return t;
}();

// Reads instructions from [begin, end) of `bytes`. Malformed encodings throw DecodeError
// (unknown opcode, bad LEB128, reserved byte not zero, ...). Typing is the validator's job.
class InstrReader {
 public:
  InstrReader(const uint8_t* bytes, size_t begin, size_t end) : reader_(bytes, begin, end) {}
  bool at_end() const { return reader_.at_end(); }
  size_t pos() const { return reader_.pos(); }
  // Reuses out.targets' capacity. The common shapes are inline: the decoder and the validator
  // each read every instruction of every function.
  void read(Instr& out) {
    BinaryReader& r = reader_;
    out.offset = r.pos();
    out.idx = out.idx2 = 0;  // `out` is reused: don't leave a previous instruction's indices behind
    const uint8_t first = r.u8();
    switch (kInstrShapes[first]) {
      case InstrShape::None: break;
      case InstrShape::Index: out.idx = r.u32(); break;
      case InstrShape::MemArg:
        out.mem.align = r.u32();
        out.mem.memory = 0;
        out.mem.offset = r.u32();
        break;
      case InstrShape::Other: read_other(out, first); return;
    }
    out.op = Op(first);
  }

 private:
  void read_other(Instr& out, uint8_t first);
  void read_simd(Instr& out, uint8_t first, uint32_t sub);
  BinaryReader reader_;
};

}  // namespace wc::engine
