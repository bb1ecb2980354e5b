// Binary decoder: LEB128 and UTF-8 rules of BinaryReader, instruction immediates of InstrReader,
// and module-level structure (sections, segments, names) of decode_module, on hand-built bytes.
#include "engine/binary/decoder.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <vector>

#include "engine/binary/binary_reader.h"
#include "engine/instr.h"
#include "engine/opcodes.h"

namespace wc::engine {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes leb(uint64_t v) {
  Bytes out;
  do {
    uint8_t b = v & 0x7F;
    v >>= 7;
    out.push_back(v ? b | 0x80 : b);
  } while (v);
  return out;
}

Bytes str(const std::string& s) { return cat({leb(s.size()), Bytes(s.begin(), s.end())}); }

Bytes section(uint8_t id, const Bytes& payload) {
  return cat({{id}, leb(payload.size()), payload});
}

const Bytes kHeader = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};

Bytes module(std::initializer_list<Bytes> sections) {
  Bytes out = kHeader;
  for (const Bytes& s : sections) out.insert(out.end(), s.begin(), s.end());
  return out;
}

// Common sections: one type () -> (), one function of that type with the given body.
const Bytes kTypeSec = section(1, {0x01, 0x60, 0x00, 0x00});
const Bytes kFuncSec = section(3, {0x01, 0x00});
Bytes code_sec(const Bytes& body) { return section(10, cat({{0x01}, leb(body.size()), body})); }

std::shared_ptr<const Module> decode_ok(const Bytes& bytes) {
  auto r = decode_module(bytes);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? r.value() : nullptr;
}

// Decoding must fail with "offset 0x<hex>: " followed by a message containing `what`.
void expect_error(const Bytes& bytes, const std::string& what) {
  auto r = decode_module(bytes);
  ASSERT_FALSE(r.ok()) << "expected error: " << what;
  const std::string& msg = r.error().message;
  EXPECT_EQ(msg.rfind("offset 0x", 0), 0u) << msg;
  EXPECT_NE(msg.find(what), std::string::npos) << msg;
}

// ---- BinaryReader ----

template <typename F>
std::string reader_error(const Bytes& b, F f) {
  BinaryReader r(b.data(), 0, b.size());
  try {
    f(r);
  } catch (const DecodeError& e) {
    return e.what();
  }
  return "";
}

// One signed LEB128 read of the whole of `b`.
int32_t s32(const Bytes& b) {
  BinaryReader r(b.data(), 0, b.size());
  return r.s32();
}
int64_t s64(const Bytes& b) {
  BinaryReader r(b.data(), 0, b.size());
  return r.s64();
}
int64_t s33(const Bytes& b) {
  BinaryReader r(b.data(), 0, b.size());
  return r.s33();
}

TEST(BinaryReader, U32Limits) {
  Bytes b = {0xFF, 0xFF, 0xFF, 0xFF, 0x0F};
  BinaryReader r(b.data(), 0, b.size());
  EXPECT_EQ(r.u32(), 0xFFFFFFFFu);
  EXPECT_TRUE(r.at_end());

  Bytes padded = {0x80, 0x80, 0x80, 0x80, 0x00};  // 0, padded to the maximum length: allowed
  BinaryReader r2(padded.data(), 0, padded.size());
  EXPECT_EQ(r2.u32(), 0u);

  EXPECT_EQ(reader_error({0xFF, 0xFF, 0xFF, 0xFF, 0x1F}, [](auto& r) { r.u32(); }),
            "integer too large");
  EXPECT_EQ(reader_error({0x80, 0x80, 0x80, 0x80, 0x70}, [](auto& r) { r.u32(); }),
            "integer too large");
  EXPECT_EQ(reader_error({0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, [](auto& r) { r.u32(); }),
            "integer representation too long");
  EXPECT_EQ(reader_error({0x80, 0x80}, [](auto& r) { r.u32(); }), "unexpected end");
}

TEST(BinaryReader, U64Limits) {
  Bytes max = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};
  BinaryReader r(max.data(), 0, max.size());
  EXPECT_EQ(r.u64(), ~uint64_t(0));
  EXPECT_EQ(reader_error({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02},
                         [](auto& r) { r.u64(); }),
            "integer too large");
  EXPECT_EQ(reader_error({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00},
                         [](auto& r) { r.u64(); }),
            "integer representation too long");
}

TEST(BinaryReader, SignedLimits) {
  EXPECT_EQ(s32({0x7F}), -1);
  EXPECT_EQ(s32({0x3F}), 63);
  EXPECT_EQ(s32({0xC0, 0x00}), 64);
  EXPECT_EQ(s32({0xFF, 0xFF, 0xFF, 0xFF, 0x7F}), -1);  // padded -1: sign bits all set
  EXPECT_EQ(s32({0x80, 0x80, 0x80, 0x80, 0x78}), INT32_MIN);
  EXPECT_EQ(s32({0xFF, 0xFF, 0xFF, 0xFF, 0x07}), INT32_MAX);
  // The unused bits of the 5th byte must replicate the sign bit (bit 3 of the byte).
  EXPECT_EQ(reader_error({0xFF, 0xFF, 0xFF, 0xFF, 0x4F}, [](auto& r) { r.s32(); }),
            "integer too large");
  EXPECT_EQ(reader_error({0x80, 0x80, 0x80, 0x80, 0x08}, [](auto& r) { r.s32(); }),
            "integer too large");
  EXPECT_EQ(reader_error({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}, [](auto& r) { r.s32(); }),
            "integer representation too long");

  EXPECT_EQ(s64({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}), -1);
  EXPECT_EQ(s64({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7F}), INT64_MIN);
  EXPECT_EQ(s64({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00}), INT64_MAX);
  EXPECT_EQ(reader_error({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01},
                         [](auto& r) { r.s64(); }),
            "integer too large");
  EXPECT_EQ(reader_error({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7E},
                         [](auto& r) { r.s64(); }),
            "integer too large");

  EXPECT_EQ(s33({0xFF, 0xFF, 0xFF, 0xFF, 0x0F}), int64_t(0xFFFFFFFF));  // 33 bits hold all u32
  EXPECT_EQ(s33({0x80, 0x80, 0x80, 0x80, 0x70}), -(int64_t(1) << 32));
  EXPECT_EQ(reader_error({0xFF, 0xFF, 0xFF, 0xFF, 0x1F}, [](auto& r) { r.s33(); }),
            "integer too large");
}

// The one-byte LEB128 reads are an inline fast path: its edges (bit 6 is the sign) and the end of
// the reader's range, which must hold even when the buffer goes on past it.
TEST(BinaryReader, OneByteFastPath) {
  EXPECT_EQ(s32({0x40}), -64);
  EXPECT_EQ(s32({0x00}), 0);
  EXPECT_EQ(s64({0x40}), -64);
  EXPECT_EQ(s64({0x3F}), 63);
  Bytes b = {0x7F, 0x05, 0x05};
  BinaryReader r(b.data(), 0, b.size());
  EXPECT_EQ(r.u32(), 127u);
  EXPECT_EQ(r.pos(), 1u);

  const Bytes more = {0x80, 0x01, 0x01};  // the range ends after the first byte of a two-byte LEB
  for (int kind = 0; kind < 4; ++kind) {
    BinaryReader cut(more.data(), 0, 1);
    try {
      if (kind == 0) cut.u32();
      if (kind == 1) cut.s32();
      if (kind == 2) cut.s64();
      if (kind == 3) {
        cut.u8();
        cut.u8();
      }
      ADD_FAILURE() << "read past the range, kind " << kind;
    } catch (const DecodeError& e) {
      EXPECT_STREQ(e.what(), "unexpected end");
      EXPECT_EQ(e.offset(), 1u);
    }
  }
  BinaryReader empty(more.data(), 2, 2);
  EXPECT_THROW(empty.u32(), DecodeError);
}

TEST(BinaryReader, FixedAndNames) {
  Bytes b = {0x78, 0x56, 0x34, 0x12, 0x01, 0x02};
  BinaryReader r(b.data(), 0, b.size());
  EXPECT_EQ(r.u32_fixed(), 0x12345678u);
  EXPECT_EQ(reader_error({1, 2, 3}, [](auto& r) { r.u32_fixed(); }), "unexpected end");

  auto name = [](Bytes s) {
    Bytes b = cat({leb(s.size()), s});
    BinaryReader r(b.data(), 0, b.size());
    return r.name();
  };
  EXPECT_EQ(name({'a', 'b'}), "ab");
  EXPECT_EQ(name({0xF0, 0x9F, 0x98, 0x80}), "\xF0\x9F\x98\x80");  // U+1F600
  EXPECT_EQ(name({0xEF, 0xBF, 0xBF}), "\xEF\xBF\xBF");            // U+FFFF
  for (Bytes bad :
       {Bytes{0xC0, 0x80},              // overlong NUL
        Bytes{0xE0, 0x9F, 0xBF},        // overlong 3-byte
        Bytes{0xED, 0xA0, 0x80},        // surrogate U+D800
        Bytes{0xF4, 0x90, 0x80, 0x80},  // U+110000
        Bytes{0xF8, 0x88, 0x80, 0x80, 0x80}, Bytes{0x80}, Bytes{0xC2}, Bytes{0xE2, 0x28, 0xA1}}) {
    Bytes b = cat({leb(bad.size()), bad});
    EXPECT_EQ(reader_error(b, [](auto& r) { r.name(); }), "malformed UTF-8 encoding");
  }
  EXPECT_EQ(reader_error({0x05, 'a'}, [](auto& r) { r.name(); }), "length out of bounds");
}

// ---- InstrReader ----

Instr read_one(const Bytes& b) {
  InstrReader ir(b.data(), 0, b.size());
  Instr in;
  ir.read(in);
  EXPECT_TRUE(ir.at_end());
  return in;
}

std::string instr_error(const Bytes& b) {
  InstrReader ir(b.data(), 0, b.size());
  Instr in;
  try {
    while (!ir.at_end()) ir.read(in);
  } catch (const DecodeError& e) {
    return e.what();
  }
  return "";
}

TEST(InstrReader, Constants) {
  EXPECT_EQ(read_one({0x41, 0x7F}).bits, ~uint64_t(0));  // i32.const -1 sign-extended to 64 bits
  EXPECT_EQ(read_one({0x41, 0xFF, 0xFF, 0xFF, 0xFF, 0x07}).bits, 0x7FFFFFFFu);
  EXPECT_EQ(read_one({0x42, 0x80, 0x7F}).bits, uint64_t(-128));
  EXPECT_EQ(read_one({0x43, 0x00, 0x00, 0x80, 0x3F}).bits, 0x3F800000u);  // 1.0f
  EXPECT_EQ(read_one({0x44, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F}).bits, 0x3FF0000000000000u);
  EXPECT_EQ(instr_error({0x43, 0x00, 0x00}), "unexpected end");
}

TEST(InstrReader, Immediates) {
  Instr load = read_one({0x28, 0x02, 0x10});
  EXPECT_EQ(load.op, Op::I32Load);
  EXPECT_EQ(load.mem.align, 2u);
  EXPECT_EQ(load.mem.offset, 16u);

  Instr ci = read_one({0x11, 0x03, 0x01});
  EXPECT_EQ(ci.op, Op::CallIndirect);
  EXPECT_EQ(ci.idx, 3u);
  EXPECT_EQ(ci.idx2, 1u);

  Instr bt = read_one({0x0E, 0x02, 0x00, 0x01, 0x05});
  EXPECT_EQ(bt.targets, (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(bt.idx, 5u);
  EXPECT_EQ(instr_error({0x0E, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00}),
            "unexpected end");  // hostile count

  Instr sel = read_one({0x1C, 0x01, 0x7E});
  EXPECT_EQ(sel.op, Op::SelectT);
  EXPECT_EQ(sel.type, ValType::I64);
  EXPECT_EQ(instr_error({0x1C, 0x02, 0x7F, 0x7F}), "invalid result arity");

  EXPECT_EQ(read_one({0xD0, 0x6F}).type, ValType::ExternRef);
  EXPECT_EQ(instr_error({0xD0, 0x7F}), "malformed reference type");

  Instr init = read_one({0xFC, 0x08, 0x04, 0x00});
  EXPECT_EQ(init.op, Op::MemoryInit);
  EXPECT_EQ(init.idx, 4u);
  EXPECT_EQ(read_one({0xFC, 0x0E, 0x01, 0x02}).idx2, 2u);  // table.copy dst src
  EXPECT_EQ(read_one({0xFC, 0x11, 0x00}).op, Op::TableFill);
  EXPECT_EQ(read_one({0xFC, 0x80, 0x00}).op, Op::I32TruncSatF32S);  // subopcode is a u32 LEB

  EXPECT_EQ(instr_error({0x3F, 0x01}), "zero byte expected");        // memory.size
  EXPECT_EQ(instr_error({0x40, 0x80, 0x00}), "zero byte expected");  // memory.grow, LEB-padded 0
  EXPECT_EQ(instr_error({0xFC, 0x0A, 0x00, 0x01}), "zero byte expected");
  EXPECT_EQ(instr_error({0xFC, 0x0B, 0x01}), "zero byte expected");
  EXPECT_EQ(instr_error({0xFC, 0x08, 0x00, 0x01}), "zero byte expected");
}

// read() decodes the single-byte opcodes of kInstrShapes inline and sends the rest to the full
// switch. Every opcode of each inline shape must read its immediates (and no more), and stop at
// the end of the range like the switch does.
TEST(InstrReader, InlineShapes) {
  int counts[4] = {};
  for (int code = 0; code < 256; ++code) {
    const InstrShape shape = kInstrShapes[code];
    ++counts[int(shape)];
    const uint8_t c = uint8_t(code);
    switch (shape) {
      case InstrShape::Other: break;
      case InstrShape::None: {
        Instr in = read_one({c});
        EXPECT_EQ(uint32_t(in.op), uint32_t(code));
        EXPECT_EQ(in.idx, 0u);
        break;
      }
      case InstrShape::Index: {
        Instr in = read_one({c, 0x85, 0x01});
        EXPECT_EQ(uint32_t(in.op), uint32_t(code));
        EXPECT_EQ(in.idx, 133u) << code;
        EXPECT_EQ(instr_error({c, 0x85}), "unexpected end") << code;
        break;
      }
      case InstrShape::MemArg: {
        Instr in = read_one({c, 0x02, 0x90, 0x01});
        EXPECT_EQ(uint32_t(in.op), uint32_t(code));
        EXPECT_EQ(in.mem.align, 2u) << code;
        EXPECT_EQ(in.mem.offset, 144u) << code;
        EXPECT_EQ(instr_error({c, 0x02}), "unexpected end") << code;
        break;
      }
    }
  }
  // The 2.0 single-byte opcodes: 8 without immediates in control and parametric, 127 numeric
  // (0x45..0xC4, of which 0xC0..0xC4 are sign extensions), ref.is_null; 11 with one index;
  // 23 loads and stores.
  EXPECT_EQ(counts[int(InstrShape::None)], 8 + 128);
  EXPECT_EQ(counts[int(InstrShape::Index)], 11);
  EXPECT_EQ(counts[int(InstrShape::MemArg)], 23);
  // An index that is not a one-byte LEB still goes through the checked reader.
  EXPECT_EQ(instr_error({0x20, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}),
            "integer representation too long");
  // Not inline: each of these needs the switch.
  for (uint8_t c : {0x02, 0x0E, 0x11, 0x1C, 0x3F, 0x41, 0xD0, 0xFC, 0xFD, 0x06, 0xFF})
    EXPECT_EQ(kInstrShapes[c], InstrShape::Other) << int(c);
}

TEST(InstrReader, BlockTypes) {
  EXPECT_EQ(read_one({0x02, 0x40}).block.kind, BlockType::Kind::Empty);
  Instr v = read_one({0x03, 0x7C});
  EXPECT_EQ(v.block.kind, BlockType::Kind::Value);
  EXPECT_EQ(v.block.value, ValType::F64);
  Instr t = read_one({0x04, 0x85, 0x01});
  EXPECT_EQ(t.block.kind, BlockType::Kind::TypeIndex);
  EXPECT_EQ(t.block.type_index, 133u);
  EXPECT_EQ(instr_error({0x02, 0x50}), "malformed value type");
  EXPECT_EQ(instr_error({0x02, 0xC0, 0x7F}), "malformed block type");  // multi-byte negative
}

TEST(InstrReader, IllegalOpcodes) {
  EXPECT_EQ(instr_error({0x06}), "illegal opcode 0x06");
  EXPECT_EQ(instr_error({0xFD, 0x9A, 0x01}), "illegal opcode 0xfd 154");  // a gap in SIMD
  EXPECT_EQ(instr_error({0xFD, 0x80, 0x02}), "illegal opcode 0xfd 256");
  EXPECT_EQ(instr_error({0xFD, 0x00}), "unexpected end");  // v128.load without its memarg
  EXPECT_EQ(instr_error({0xFC, 0x12}), "illegal opcode 0xfc 18");
  EXPECT_EQ(instr_error({0xFC, 0x80, 0x80, 0x04}), "illegal opcode 0xfc 65536");
}

TEST(InstrReader, OffsetsAndNames) {
  Bytes b = {0x01, 0x41, 0x05, 0x0B};
  InstrReader ir(b.data(), 0, b.size());
  Instr in;
  ir.read(in);
  ir.read(in);
  EXPECT_EQ(in.op, Op::I32Const);
  EXPECT_EQ(in.offset, 1u);
  EXPECT_STREQ(op_name(Op::I32TruncSatF64U), "i32.trunc_sat_f64_u");
  EXPECT_STREQ(op_name(Op::SelectT), "select");
  EXPECT_STREQ(op_name(Op::MemoryInit), "memory.init");
}

// ---- decode_module: valid modules ----

TEST(Decoder, EmptyModule) {
  auto m = decode_ok(kHeader);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->types.empty());
  EXPECT_EQ(m->bytes, kHeader);
}

TEST(Decoder, AllSections) {
  Bytes bytes = module({
      section(1, {0x02, 0x60, 0x01, 0x7F, 0x01, 0x7E, 0x60, 0x00, 0x00}),
      section(2, cat({{0x04},
                      str("env"),
                      str("f"),
                      {0x00, 0x00},
                      str("env"),
                      str("t"),
                      {0x01, 0x70, 0x00, 0x01},
                      str("env"),
                      str("m"),
                      {0x02, 0x01, 0x01, 0x02},
                      str("env"),
                      str("g"),
                      {0x03, 0x7F, 0x00}})),
      section(3, {0x01, 0x01}),
      section(4, {0x01, 0x6F, 0x01, 0x02, 0x03}),
      section(6, {0x01, 0x7E, 0x01, 0x42, 0x2A, 0x0B}),
      section(7, cat({{0x01}, str("run"), {0x00, 0x01}})),
      section(8, {0x01}),
      section(12, {0x01}),
      code_sec({0x01, 0x02, 0x7F, 0xFC, 0x09, 0x00, 0x0B}),  // 2 i32 locals; data.drop 0
      section(11, cat({{0x01, 0x01}, str("hi")})),
  });
  auto m = decode_ok(bytes);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->types.size(), 2u);
  EXPECT_EQ(m->types[0].params, std::vector<ValType>{ValType::I32});
  ASSERT_EQ(m->imports.size(), 4u);
  EXPECT_EQ(m->imports[1].kind, ExternKind::Table);
  EXPECT_EQ(m->imports[2].memory.limits.max, 2u);
  EXPECT_EQ(m->num_imported_funcs, 1u);
  EXPECT_EQ(m->num_imported_tables, 1u);
  EXPECT_EQ(m->num_imported_memories, 1u);
  EXPECT_EQ(m->num_imported_globals, 1u);
  EXPECT_EQ(m->func_space, (std::vector<uint32_t>{0, 1}));
  ASSERT_EQ(m->table_space.size(), 2u);
  EXPECT_EQ(m->table_space[1].elem, ValType::ExternRef);
  EXPECT_EQ(m->table_space[1].limits.min, 2u);
  EXPECT_EQ(m->table_space[1].limits.max, 3u);
  EXPECT_EQ(m->memory_space.size(), 1u);
  ASSERT_EQ(m->global_space.size(), 2u);
  EXPECT_TRUE(m->global_space[1].is_mutable);
  ASSERT_EQ(m->globals[0].init.instrs.size(), 1u);
  EXPECT_EQ(m->globals[0].init.instrs[0].bits, 42u);
  EXPECT_EQ(m->exports[0].name, "run");
  EXPECT_EQ(m->start, 1u);
  EXPECT_EQ(m->data_count, 1u);
  ASSERT_EQ(m->code.size(), 1u);
  EXPECT_EQ(m->code[0].num_locals, 2u);
  EXPECT_EQ(m->bytes[m->code[0].code_begin], 0xFC);
  EXPECT_EQ(m->bytes[m->code[0].code_end - 1], 0x0B);
  ASSERT_EQ(m->datas.size(), 1u);
  EXPECT_EQ(m->datas[0].mode, SegmentMode::Passive);
  const auto data = m->data_bytes(0);
  EXPECT_EQ(Bytes(data.begin(), data.end()), (Bytes{'h', 'i'}));
}

TEST(Decoder, ElementSegmentEncodings) {
  const Bytes off = {0x41, 0x00, 0x0B};
  const Bytes ref = {0xD2, 0x00, 0x0B};  // ref.func 0, end
  Bytes elems = cat({{0x08},
                     cat({{0x00}, off, {0x01, 0x00}}),              // 0: active t0, funcidx
                     {0x01, 0x00, 0x01, 0x00},                      // 1: passive, elemkind
                     cat({{0x02, 0x01}, off, {0x00, 0x01, 0x00}}),  // 2: active t1, elemkind
                     {0x03, 0x00, 0x01, 0x00},                      // 3: declarative
                     cat({{0x04}, off, {0x01}, ref}),               // 4: active t0, exprs
                     cat({{0x05, 0x6F, 0x01, 0xD0, 0x6F, 0x0B}}),   // 5: passive externref
                     cat({{0x06, 0x01}, off, {0x70, 0x01}, ref}),   // 6: active t1, reftype
                     cat({{0x07, 0x70, 0x01}, ref})});              // 7: declarative exprs
  auto m =
      decode_ok(module({kTypeSec, kFuncSec, section(4, {0x02, 0x70, 0x00, 0x00, 0x70, 0x00, 0x00}),
                        section(9, elems), code_sec({0x00, 0x0B})}));
  ASSERT_TRUE(m);
  ASSERT_EQ(m->elems.size(), 8u);
  const SegmentMode modes[] = {
      SegmentMode::Active, SegmentMode::Passive, SegmentMode::Active, SegmentMode::Declarative,
      SegmentMode::Active, SegmentMode::Passive, SegmentMode::Active, SegmentMode::Declarative};
  for (int i = 0; i < 8; ++i) {
    const ElemSegment& e = m->elems[i];
    EXPECT_EQ(e.mode, modes[i]) << i;
    EXPECT_EQ(e.table, (i == 2 || i == 6) ? 1u : 0u) << i;
    EXPECT_EQ(e.type, i == 5 ? ValType::ExternRef : ValType::FuncRef) << i;
    ASSERT_EQ(e.init.size(), 1u) << i;
    ASSERT_EQ(e.init[0].instrs.size(), 1u) << i;
    EXPECT_EQ(e.init[0].instrs[0].op, i == 5 ? Op::RefNull : Op::RefFunc) << i;
    if (e.mode == SegmentMode::Active) {
      EXPECT_EQ(e.offset.instrs.size(), 1u) << i;
    }
  }
  expect_error(module({section(9, {0x01, 0x01, 0x01, 0x01, 0x00})}), "malformed element kind");
  expect_error(module({section(9, {0x01, 0x08})}), "malformed elements segment kind");
  expect_error(module({section(9, {0x01, 0x05, 0x7F, 0x00})}), "malformed reference type");
}

TEST(Decoder, NestedBlocksInBody) {
  // block (if (end) end) end: only the last `end` closes the function.
  auto m =
      decode_ok(module({kTypeSec, kFuncSec,
                        code_sec({0x00, 0x02, 0x40, 0x41, 0x01, 0x04, 0x40, 0x0B, 0x0B, 0x0B})}));
  ASSERT_TRUE(m);
}

TEST(Decoder, NameSection) {
  Bytes names = cat({str("name"), section(0, str("mod")),           // module name
                     section(1, cat({{0x01, 0x00}, str("main")})),  // function 0 = "main"
                     // function 0: local 0 = "a", local 1 = "b"
                     section(2, cat({{0x01, 0x00, 0x02, 0x00}, str("a"), {0x01}, str("b")}))});
  auto m = decode_ok(module({kTypeSec, kFuncSec, code_sec({0x00, 0x0B}), section(0, names)}));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->names.module, "mod");
  EXPECT_EQ(m->names.functions.at(0), "main");
  EXPECT_EQ(m->names.locals.at(0).at(1), "b");
  ASSERT_EQ(m->customs.size(), 1u);
  EXPECT_EQ(m->customs[0].name, "name");
}

TEST(Decoder, MalformedNameSectionIgnored) {
  // Function-names subsection whose declared size runs past the section, and one with bad UTF-8.
  for (Bytes bad : {cat({str("name"), {0x01, 0x20, 0x01, 0x00}}),
                    cat({str("name"), section(1, {0x01, 0x00, 0x02, 0xC0, 0x80})})}) {
    auto m = decode_ok(module({kTypeSec, kFuncSec, code_sec({0x00, 0x0B}), section(0, bad)}));
    ASSERT_TRUE(m);
    EXPECT_TRUE(m->names.functions.empty());
    EXPECT_EQ(m->customs.size(), 1u);
  }
}

TEST(Decoder, CustomSections) {
  auto m =
      decode_ok(module({section(0, cat({str("a"), {1, 2, 3}})), kTypeSec, section(0, str("b"))}));
  ASSERT_TRUE(m);
  ASSERT_EQ(m->customs.size(), 2u);
  EXPECT_EQ(m->customs[0].end - m->customs[0].begin, 3u);
  expect_error(module({section(0, {0x02, 0xC0, 0x80})}), "malformed UTF-8 encoding");
  expect_error(module({section(0, {})}), "unexpected end");
}

// ---- decode_module: malformed modules ----

TEST(Decoder, Header) {
  expect_error({}, "unexpected end");
  expect_error({0x00, 0x61, 0x73}, "unexpected end");
  expect_error({0x00, 0x61, 0x73, 0x6E, 0x01, 0x00, 0x00, 0x00}, "magic header not detected");
  expect_error({0x00, 0x61, 0x73, 0x6D, 0x02, 0x00, 0x00, 0x00}, "unknown binary version");
}

TEST(Decoder, SectionStructure) {
  expect_error(module({section(13, {})}), "malformed section id");
  expect_error(module({kTypeSec, kTypeSec}), "unexpected content after last section");
  expect_error(module({kFuncSec, kTypeSec}), "unexpected content after last section");
  expect_error(module({section(10, {0x00}), section(12, {0x00})}),
               "unexpected content after last section");
  expect_error(module({section(1, {0x00, 0x00})}), "section size mismatch");
  expect_error(module({{0x01, 0x05, 0x00}}), "length out of bounds");  // size past the module end
  // Running off a section's end inside the module vs. off the module's end.
  expect_error(module({section(1, {0x01, 0x60, 0x00}), section(0, str("x"))}),
               "unexpected end of section or function");
  expect_error(module({section(1, {0x01, 0x60, 0x00})}), "unexpected end");
  expect_error(module({section(1, {0x01, 0x5F, 0x00, 0x00})}), "malformed function type");
  expect_error(module({section(1, {0x01, 0x60, 0x01, 0x40, 0x00})}), "malformed value type");
}

TEST(Decoder, HostileCountsDoNotAllocate) {
  const Bytes huge = {0xFF, 0xFF, 0xFF, 0xFF, 0x0F};
  for (uint8_t id : {1, 2, 3, 4, 5, 6, 7, 9, 10, 11})
    expect_error(module({section(id, huge)}), "unexpected end");
  expect_error(module({kTypeSec, kFuncSec, code_sec(cat({huge, {0x7F}}))}), "unexpected end");
  expect_error(module({section(11, cat({{0x01, 0x01}, huge}))}), "unexpected end");
}

TEST(Decoder, ImportsExportsGlobalsLimits) {
  expect_error(module({section(2, cat({{0x01}, str("a"), str("b"), {0x04, 0x00}}))}),
               "malformed import kind");
  expect_error(module({section(2, cat({{0x01}, str("a"), {0x02, 0xED, 0xA0}, {0x00, 0x00}}))}),
               "malformed UTF-8 encoding");
  expect_error(module({section(7, cat({{0x01}, str("a"), {0x04, 0x00}}))}),
               "malformed export kind");
  expect_error(module({section(6, {0x01, 0x7F, 0x02, 0x41, 0x00, 0x0B})}), "malformed mutability");
  expect_error(module({section(6, {0x01, 0x7F, 0x00, 0x41, 0x00})}), "unexpected end");  // no end
  expect_error(module({section(5, {0x01, 0x02, 0x00})}), "integer too large");  // shared flag
  expect_error(module({section(5, {0x01, 0x81, 0x00})}), "integer representation too long");
  expect_error(module({section(4, {0x01, 0x7F, 0x00, 0x00})}), "malformed reference type");
  auto m = decode_ok(module({section(5, {0x01, 0x00, 0x80, 0x80, 0x04})}));  // min 65536, LEB
  ASSERT_TRUE(m);
  EXPECT_EQ(m->memories[0].limits.min, 65536u);
  EXPECT_FALSE(m->memories[0].limits.max);
}

TEST(Decoder, CodeSection) {
  expect_error(module({kTypeSec, kFuncSec}), "function and code section have inconsistent lengths");
  expect_error(module({kTypeSec, code_sec({0x00, 0x0B})}),
               "function and code section have inconsistent lengths");
  expect_error(module({kTypeSec, kFuncSec, code_sec({0x00, 0x01})}), "END opcode expected");
  expect_error(module({kTypeSec, kFuncSec, code_sec({0x00, 0x0B, 0x01})}), "section size mismatch");
  expect_error(module({kTypeSec, kFuncSec, code_sec({0x00, 0x02, 0x40, 0x0B})}),
               "END opcode expected");
  expect_error(module({kTypeSec, kFuncSec, code_sec({0x00, 0x06, 0x0B})}), "illegal opcode 0x06");
  expect_error(module({kTypeSec, kFuncSec, code_sec({0x00, 0xFD, 0xA2, 0x01, 0x0B})}),
               "illegal opcode 0xfd 162");
  expect_error(module({kTypeSec, kFuncSec, code_sec({0x00, 0xFD, 0x0C, 0x0B})}),
               "unexpected end");  // v128.const with 1 of its 16 bytes
  expect_error(module({kTypeSec, kFuncSec,
                       code_sec({0x00, 0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x0B})}),
               "integer representation too long");
  expect_error(module({kTypeSec, kFuncSec, code_sec({0x01, 0x01, 0x40, 0x0B})}),
               "malformed value type");
}

TEST(Decoder, TooManyLocals) {
  // Two groups of 2^32-1: over the spec's limit.
  expect_error(module({kTypeSec, kFuncSec,
                       code_sec({0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF,
                                 0x0F, 0x7E, 0x0B})}),
               "too many locals");
  // Within the spec's limit but over the implementation limit.
  expect_error(module({kTypeSec, kFuncSec, code_sec(cat({{0x01}, leb(50001), {0x7F, 0x0B}}))}),
               "implementation limit");
  auto m = decode_ok(module(
      {kTypeSec, kFuncSec, code_sec(cat({{0x02}, leb(25000), {0x7F}, leb(25000), {0x7C, 0x0B}}))}));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->code[0].num_locals, 50000u);
}

TEST(Decoder, DataCount) {
  const Bytes mem = section(5, {0x01, 0x00, 0x01});
  const Bytes data = section(11, {0x01, 0x01, 0x00});  // one passive segment, empty
  decode_ok(module({mem, section(12, {0x01}), data}));
  decode_ok(module({mem, section(12, {0x00})}));
  expect_error(module({mem, section(12, {0x02}), data}),
               "data count and data section have inconsistent lengths");
  expect_error(module({mem, section(12, {0x01})}),
               "data count and data section have inconsistent lengths");
  expect_error(module({kTypeSec, kFuncSec, mem, code_sec({0x00, 0xFC, 0x09, 0x00, 0x0B}), data}),
               "data count section required");
  expect_error(
      module({kTypeSec, kFuncSec, mem,
              code_sec({0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xFC, 0x08, 0x00, 0x00, 0x0B}),
              data}),
      "data count section required");
  expect_error(module({mem, section(11, {0x01, 0x03})}), "malformed data segment kind");
  // Active segment for memory 0 with explicit index (form 2).
  auto m = decode_ok(module({mem, section(11, {0x01, 0x02, 0x00, 0x41, 0x08, 0x0B, 0x01, 0xAA})}));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->datas[0].mode, SegmentMode::Active);
  EXPECT_EQ(m->datas[0].offset.instrs[0].bits, 8u);
  const auto seg_bytes = m->data_bytes(0);
  EXPECT_EQ(Bytes(seg_bytes.begin(), seg_bytes.end()), Bytes{0xAA});
}

TEST(Decoder, ErrorOffset) {
  // The illegal opcode 0x06 is the module's second-to-last byte; the message must point at it.
  Bytes bytes = module({kTypeSec, kFuncSec, code_sec({0x00, 0x01, 0x06, 0x0B})});
  size_t at = bytes.size() - 2;
  auto r = decode_module(bytes);
  ASSERT_FALSE(r.ok());
  char want[32];
  std::snprintf(want, sizeof want, "offset 0x%zx: ", at);
  EXPECT_EQ(r.error().message.rfind(want, 0), 0u) << r.error().message;
}

}  // namespace
}  // namespace wc::engine
