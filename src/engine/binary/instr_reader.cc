#include <cstdio>

#include "engine/instr.h"

namespace wc::engine {

namespace {

// Bulk-memory instructions carry memory indices that must be a literal 0x00 byte in 2.0 (a
// multi-byte LEB zero is malformed too), so read a byte rather than a u32.
void zero_byte(BinaryReader& r) {
  if (r.u8() != 0x00) throw DecodeError(r.pos() - 1, "zero byte expected");
}

ValType ref_type(BinaryReader& r) {
  const uint8_t b = r.u8();
  if (b != uint8_t(ValType::FuncRef) && b != uint8_t(ValType::ExternRef))
    throw DecodeError(r.pos() - 1, "malformed reference type");
  return ValType(b);
}

ValType value_type(BinaryReader& r) {
  const uint8_t b = r.u8();
  if (!is_valtype_byte(b)) throw DecodeError(r.pos() - 1, "malformed value type");
  return ValType(b);
}

// blocktype ::= 0x40 | valtype | s33 type index. A single byte with bits 0b01xxxxxx is a negative
// s33, which the spec reserves for the first two forms, so it must be 0x40 or a value type.
BlockType block_type(BinaryReader& r) {
  BlockType bt;
  const size_t at = r.pos();
  if (at >= r.end()) r.fail("unexpected end");
  const uint8_t b = r.data()[at];
  if (b == 0x40) {
    r.u8();
  } else if ((b & 0xC0) == 0x40) {
    bt.kind = BlockType::Kind::Value;
    bt.value = value_type(r);
  } else {
    const int64_t idx = r.s33();
    if (idx < 0) throw DecodeError(at, "malformed block type");
    bt.kind = BlockType::Kind::TypeIndex;
    bt.type_index = uint32_t(idx);
  }
  return bt;
}

[[noreturn]] void illegal(size_t at, uint8_t first, uint32_t sub) {
  char buf[48];
  if (first == kPrefixFC || first == kPrefixFD)
    std::snprintf(buf, sizeof buf, "illegal opcode 0x%02x %u", first, sub);
  else
    std::snprintf(buf, sizeof buf, "illegal opcode 0x%02x", first);
  throw DecodeError(at, buf);
}

}  // namespace

// The immediates of a 0xFD instruction, by its kind in the SIMD table.
void InstrReader::read_simd(Instr& out, uint8_t first, uint32_t sub) {
  BinaryReader& r = reader_;
  const SimdInfo info = simd_info(sub);
  switch (info.kind) {
    case SimdKind::None: illegal(out.offset, first, sub);
    case SimdKind::Load:
    case SimdKind::Store:
    case SimdKind::LoadLane:
    case SimdKind::StoreLane:
      out.mem.align = r.u32();
      out.mem.memory = 0;
      out.mem.offset = r.u32();
      if (info.kind == SimdKind::LoadLane || info.kind == SimdKind::StoreLane) out.lane = r.u8();
      break;
    case SimdKind::Const:
    case SimdKind::Shuffle:
      // 16 immediate bytes, little-endian: byte 0 is the lowest byte of `bits`.
      out.bits = r.u64_fixed();
      out.bits_hi = r.u64_fixed();
      break;
    case SimdKind::Extract:
    case SimdKind::Replace: out.lane = r.u8(); break;
    case SimdKind::Splat:
    case SimdKind::Un:
    case SimdKind::Bin:
    case SimdKind::Tern:
    case SimdKind::Test:
    case SimdKind::Shift: break;
  }
  out.op = Op((uint32_t(kPrefixFD) << 16) | sub);
}

// Every opcode, so that this switch stays the complete definition of the encoding; read()
// handles the kInstrShapes fast cases inline and sends the rest here.
void InstrReader::read_other(Instr& out, uint8_t first) {
  BinaryReader& r = reader_;
  uint32_t code = first, sub = 0;
  if (first == kPrefixFC) {
    sub = r.u32();
    // Ops are numbered (prefix << 16) | sub; a larger sub would alias, so map it to no opcode.
    code = sub <= 0xFFFF ? (uint32_t(kPrefixFC) << 16) | sub : ~uint32_t(0);
  } else if (first == kPrefixFD) {
    sub = r.u32();
    read_simd(out, first, sub);
    return;
  }

  // Grouped case labels read better than clang-format's one per line.
  // clang-format off
  switch (code) {
    // No immediates.
#define WC_CASE6(name, c, text, a, b, d) case c:
    WC_NUMERIC_OPS(WC_CASE6)
    case uint32_t(Op::Unreachable): case uint32_t(Op::Nop): case uint32_t(Op::Else):
    case uint32_t(Op::End): case uint32_t(Op::Return): case uint32_t(Op::Drop):
    case uint32_t(Op::Select): case uint32_t(Op::RefIsNull):
      break;

    WC_LOAD_OPS(WC_CASE6)
    WC_STORE_OPS(WC_CASE6)
#undef WC_CASE6
      out.mem.align = r.u32();
      out.mem.memory = 0;
      out.mem.offset = r.u32();
      break;

    case uint32_t(Op::Block): case uint32_t(Op::Loop): case uint32_t(Op::If):
      out.block = block_type(r);
      break;

    case uint32_t(Op::Br): case uint32_t(Op::BrIf): case uint32_t(Op::Call):
    case uint32_t(Op::LocalGet): case uint32_t(Op::LocalSet): case uint32_t(Op::LocalTee):
    case uint32_t(Op::GlobalGet): case uint32_t(Op::GlobalSet):
    case uint32_t(Op::TableGet): case uint32_t(Op::TableSet): case uint32_t(Op::RefFunc):
    case uint32_t(Op::DataDrop): case uint32_t(Op::ElemDrop):
    case uint32_t(Op::TableGrow): case uint32_t(Op::TableSize): case uint32_t(Op::TableFill):
      out.idx = r.u32();
      break;

    case uint32_t(Op::BrTable): {
      const uint32_t n = r.u32();
      // Every label takes at least one byte: a count beyond the remaining bytes is malformed,
      // and checking first keeps a hostile count from reserving gigabytes.
      if (n > r.remaining()) throw DecodeError(r.end(), "unexpected end");
      out.targets.clear();
      out.targets.reserve(n);
      for (uint32_t i = 0; i < n; ++i) out.targets.push_back(r.u32());
      out.idx = r.u32();
      break;
    }

    case uint32_t(Op::CallIndirect): case uint32_t(Op::TableInit): case uint32_t(Op::TableCopy):
      out.idx = r.u32();
      out.idx2 = r.u32();
      break;

    case uint32_t(Op::SelectT): {
      // The encoding allows a vector for future multi-value select; 2.0 requires exactly one.
      const size_t at = r.pos();
      const uint32_t n = r.u32();
      if (n != 1) throw DecodeError(at, "invalid result arity");
      out.type = value_type(r);
      break;
    }

    case uint32_t(Op::MemorySize): case uint32_t(Op::MemoryGrow): case uint32_t(Op::MemoryFill):
      zero_byte(r);
      break;

    case uint32_t(Op::MemoryInit):
      out.idx = r.u32();
      zero_byte(r);
      break;

    case uint32_t(Op::MemoryCopy):
      zero_byte(r);
      zero_byte(r);
      break;

    case uint32_t(Op::I32Const):
      out.bits = uint64_t(int64_t(r.s32()));
      break;
    case uint32_t(Op::I64Const):
      out.bits = uint64_t(r.s64());
      break;
    case uint32_t(Op::F32Const):
      out.bits = r.u32_fixed();
      break;
    case uint32_t(Op::F64Const):
      out.bits = r.u64_fixed();
      break;

    case uint32_t(Op::RefNull):
      out.type = ref_type(r);
      break;

    default:
      illegal(out.offset, first, sub);  // includes 0xFD (SIMD), not supported yet
  }
  // clang-format on
  out.op = Op(code);
}

}  // namespace wc::engine
