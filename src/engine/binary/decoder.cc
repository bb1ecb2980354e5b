#include "engine/binary/decoder.h"

#include <cstdio>
#include <new>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace wc::engine {

namespace {

// Implementation limit on declared locals per function. The spec's own limit (2^32-1) is far
// beyond anything the interpreter can allocate a frame for, and hostile modules declare billions.
constexpr uint64_t kMaxFunctionLocals = 50000;

enum SectionId : uint8_t {
  kCustom = 0,
  kType,
  kImport,
  kFunction,
  kTable,
  kMemory,
  kGlobal,
  kExport,
  kStart,
  kElement,
  kCode,
  kData,
  kDataCount,
};

// Position of each section id in the required order: datacount (12) goes between element and code.
constexpr int kSectionRank[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};

class Decoder {
 public:
  explicit Decoder(Module& m) : m_(m), p_(m.bytes.data()), size_(m.bytes.size()) {}

  void decode() {
    BinaryReader r(p_, 0, size_);
    if (r.u32_fixed() != 0x6D736100) throw DecodeError(0, "magic header not detected");
    if (r.u32_fixed() != 1) throw DecodeError(4, "unknown binary version");

    int last_rank = 0;
    bool have_code = false, have_data = false;
    while (!r.at_end()) {
      const size_t id_at = r.pos();
      const uint8_t id = r.u8();
      if (id > kDataCount) throw DecodeError(id_at, "malformed section id");
      const size_t size_at = r.pos();
      const uint32_t size = r.u32();
      if (size > r.remaining()) throw DecodeError(size_at, "length out of bounds");
      if (id != kCustom) {
        // Also rejects a repeated section, since its rank is not greater than itself.
        if (kSectionRank[id] <= last_rank)
          throw DecodeError(id_at, "unexpected content after last section");
        last_rank = kSectionRank[id];
      }

      BinaryReader s(p_, r.pos(), r.pos() + size);
      switch (id) {
        case kCustom: custom_section(s); break;
        case kType: type_section(s); break;
        case kImport: import_section(s); break;
        case kFunction: function_section(s); break;
        case kTable: vec(s, m_.tables, [&] { return table_type(s); }); break;
        case kMemory: vec(s, m_.memories, [&] { return MemoryType{limits(s)}; }); break;
        case kGlobal: global_section(s); break;
        case kExport: export_section(s); break;
        case kStart: m_.start = s.u32(); break;
        case kElement: vec(s, m_.elems, [&] { return elem_segment(s); }); break;
        case kDataCount: m_.data_count = s.u32(); break;
        case kCode:
          code_section(s);
          have_code = true;
          break;
        case kData:
          data_section(s);
          have_data = true;
          break;
      }
      if (!s.at_end()) throw DecodeError(s.pos(), "section size mismatch");
      r.skip(size);
    }

    if (!have_code && !m_.functions.empty())
      throw DecodeError(size_, "function and code section have inconsistent lengths");
    if (!have_data && m_.data_count && *m_.data_count != 0)
      throw DecodeError(size_, "data count and data section have inconsistent lengths");
    build_index_spaces();
  }

 private:
  // A vector count. Every element takes at least one byte, so a count beyond the remaining bytes
  // is malformed (reading would run off the end); checking before reserving keeps a hostile count
  // from allocating gigabytes.
  static uint32_t count(BinaryReader& r) {
    const uint32_t n = r.u32();
    if (n > r.remaining()) throw DecodeError(r.end(), "unexpected end");
    return n;
  }

  template <typename T, typename F>
  static void vec(BinaryReader& r, std::vector<T>& out, F read_one) {
    const uint32_t n = count(r);
    out.reserve(out.size() + n);
    for (uint32_t i = 0; i < n; ++i) out.push_back(read_one());
  }

  static ValType value_type(BinaryReader& r) {
    const uint8_t b = r.u8();
    if (!is_valtype_byte(b)) throw DecodeError(r.pos() - 1, "malformed value type");
    return ValType(b);
  }

  static ValType ref_type(BinaryReader& r) {
    const uint8_t b = r.u8();
    if (b != uint8_t(ValType::FuncRef) && b != uint8_t(ValType::ExternRef))
      throw DecodeError(r.pos() - 1, "malformed reference type");
    return ValType(b);
  }

  // 2.0 has only flags 0 (min) and 1 (min, max). The spec reads the flag as a 1-bit LEB, hence
  // its messages for other values (0x02.. are threads/memory64 flags, not supported).
  static Limits limits(BinaryReader& r) {
    const size_t at = r.pos();
    const uint8_t flags = r.u8();
    if (flags & 0x80) throw DecodeError(at, "integer representation too long");
    if (flags > 1) throw DecodeError(at, "integer too large");
    Limits l;
    l.min = r.u32();
    if (flags == 1) l.max = r.u32();
    return l;
  }

  static TableType table_type(BinaryReader& r) {
    TableType t;
    t.elem = ref_type(r);
    t.limits = limits(r);
    return t;
  }

  static GlobalType global_type(BinaryReader& r) {
    GlobalType g;
    g.type = value_type(r);
    const uint8_t mut = r.u8();
    if (mut > 1) throw DecodeError(r.pos() - 1, "malformed mutability");
    g.is_mutable = mut == 1;
    return g;
  }

  // expr ::= instr* 0x0B, with block/loop/if nesting, so the first *unmatched* end closes it.
  // Any instruction is accepted; the validator decides what is constant.
  ConstExpr const_expr(BinaryReader& r) {
    ConstExpr e;
    e.offset = r.pos();
    InstrReader ir(p_, r.pos(), r.end());
    size_t depth = 0;
    for (;;) {
      Instr in;
      ir.read(in);
      if (in.op == Op::End) {
        if (depth == 0) break;
        --depth;
      } else if (in.op == Op::Block || in.op == Op::Loop || in.op == Op::If) {
        ++depth;
      }
      e.instrs.push_back(std::move(in));
    }
    r.skip(ir.pos() - r.pos());
    return e;
  }

  void custom_section(BinaryReader& s) {
    CustomSection c;
    c.name = s.name();
    c.begin = s.pos();
    c.end = s.end();
    s.skip(s.remaining());
    if (c.name == "name") parse_names(c.begin, c.end);
    m_.customs.push_back(std::move(c));
  }

  // The name section is advisory: on any malformation keep whatever names we had and go on.
  void parse_names(size_t begin, size_t end) {
    try {
      Names names;
      BinaryReader r(p_, begin, end);
      while (!r.at_end()) {
        const uint8_t id = r.u8();
        const uint32_t size = r.u32();
        if (size > r.remaining()) r.fail("length out of bounds");
        BinaryReader s(p_, r.pos(), r.pos() + size);
        switch (id) {
          case 0: names.module = s.name(); break;
          case 1: name_map(s, names.functions); break;
          case 2:
            for (uint32_t n = s.u32(), i = 0; i < n; ++i) {
              const uint32_t func = s.u32();
              name_map(s, names.locals[func]);
            }
            break;
          default: s.skip(size); break;  // extended name subsections: not used
        }
        if (!s.at_end()) s.fail("name subsection size mismatch");
        r.skip(size);
      }
      m_.names = std::move(names);
    } catch (const DecodeError&) {
    }
  }

  static void name_map(BinaryReader& s, std::map<uint32_t, std::string>& out) {
    for (uint32_t n = s.u32(), i = 0; i < n; ++i) {
      const uint32_t idx = s.u32();
      out[idx] = s.name();
    }
  }

  void type_section(BinaryReader& s) {
    vec(s, m_.types, [&] {
      // The spec reads this form byte as a 7-bit signed LEB, hence its message for 0x80..0xFF.
      const size_t at = s.pos();
      const uint8_t form = s.u8();
      if (form & 0x80) throw DecodeError(at, "integer representation too long");
      if (form != 0x60) throw DecodeError(at, "malformed function type");
      FuncType t;
      vec(s, t.params, [&] { return value_type(s); });
      vec(s, t.results, [&] { return value_type(s); });
      return t;
    });
  }

  void import_section(BinaryReader& s) {
    vec(s, m_.imports, [&] {
      Import im;
      im.module = s.name();
      im.name = s.name();
      const size_t at = s.pos();
      const uint8_t kind = s.u8();
      switch (kind) {
        case 0: im.func_type = s.u32(); break;
        case 1: im.table = table_type(s); break;
        case 2: im.memory.limits = limits(s); break;
        case 3: im.global = global_type(s); break;
        default: throw DecodeError(at, "malformed import kind");
      }
      im.kind = ExternKind(kind);
      return im;
    });
  }

  void function_section(BinaryReader& s) {
    vec(s, m_.functions, [&] { return s.u32(); });
  }

  void global_section(BinaryReader& s) {
    vec(s, m_.globals, [&] {
      Global g;
      g.type = global_type(s);
      g.init = const_expr(s);
      return g;
    });
  }

  void export_section(BinaryReader& s) {
    vec(s, m_.exports, [&] {
      Export e;
      e.name = s.name();
      const size_t at = s.pos();
      const uint8_t kind = s.u8();
      if (kind > 3) throw DecodeError(at, "malformed export kind");
      e.kind = ExternKind(kind);
      e.index = s.u32();
      return e;
    });
  }

  // The eight encodings (flags 0..7): bit 0 = passive/declarative (else active), bit 1 = explicit
  // table index if active / declarative if not, bit 2 = element expressions instead of indices.
  ElemSegment elem_segment(BinaryReader& s) {
    const size_t at = s.pos();
    const uint32_t flags = s.u32();
    if (flags > 7) throw DecodeError(at, "malformed elements segment kind");
    const bool use_exprs = flags & 4;
    ElemSegment seg;
    if (flags & 1) {
      seg.mode = (flags & 2) ? SegmentMode::Declarative : SegmentMode::Passive;
    } else {
      seg.mode = SegmentMode::Active;
      if (flags & 2) seg.table = s.u32();
      seg.offset = const_expr(s);
    }
    if (flags & 3) {  // forms 0 and 4 have an implicit funcref type
      if (use_exprs) {
        seg.type = ref_type(s);
      } else {
        const size_t kind_at = s.pos();
        if (s.u8() != 0x00) throw DecodeError(kind_at, "malformed element kind");
      }
    }
    vec(s, seg.init, [&] {
      if (use_exprs) return const_expr(s);
      ConstExpr e;
      e.offset = s.pos();
      Instr ref;
      ref.op = Op::RefFunc;
      ref.offset = s.pos();
      ref.idx = s.u32();
      e.instrs.push_back(std::move(ref));
      return e;
    });
    return seg;
  }

  void code_section(BinaryReader& s) {
    const size_t at = s.pos();
    const uint32_t n = count(s);
    if (n != m_.functions.size())
      throw DecodeError(at, "function and code section have inconsistent lengths");
    m_.code.reserve(n);
    for (uint32_t i = 0; i < n; ++i) m_.code.push_back(function_body(s));
  }

  FunctionBody function_body(BinaryReader& s) {
    const size_t size_at = s.pos();
    const uint32_t size = s.u32();
    if (size > s.remaining()) throw DecodeError(size_at, "length out of bounds");
    const size_t body_end = s.pos() + size;
    BinaryReader b(p_, s.pos(), body_end);

    FunctionBody body;
    const size_t locals_at = b.pos();
    vec(b, body.locals, [&] {
      LocalGroup g;
      g.count = b.u32();
      g.type = value_type(b);
      // Summed in 64 bits and checked per group, so the total itself cannot overflow.
      body.num_locals += g.count;
      if (body.num_locals > 0xFFFFFFFFull) throw DecodeError(locals_at, "too many locals");
      return g;
    });
    if (body.num_locals > kMaxFunctionLocals)
      throw DecodeError(locals_at, "too many locals (implementation limit is 50000 per function)");
    body.code_begin = b.pos();
    body.code_end = body_end;

    // Walk the instructions once: rejects every malformed encoding up front, finds the function's
    // final `end` (which must be the last byte), and notes uses of the data count section.
    InstrReader ir(p_, body.code_begin, body_end);
    Instr in;
    size_t depth = 0;
    for (;;) {
      if (ir.at_end()) throw DecodeError(ir.pos(), "END opcode expected");
      ir.read(in);
      if (in.op == Op::End) {
        if (depth == 0) break;
        --depth;
      } else if (in.op == Op::Block || in.op == Op::Loop || in.op == Op::If) {
        ++depth;
      } else if ((in.op == Op::MemoryInit || in.op == Op::DataDrop) && !m_.data_count) {
        throw DecodeError(in.offset, "data count section required");
      }
    }
    if (!ir.at_end()) throw DecodeError(ir.pos(), "section size mismatch");
    s.skip(size);
    return body;
  }

  void data_section(BinaryReader& s) {
    const size_t at = s.pos();
    const uint32_t n = count(s);
    if (m_.data_count && *m_.data_count != n)
      throw DecodeError(at, "data count and data section have inconsistent lengths");
    m_.datas.reserve(n);
    for (uint32_t i = 0; i < n; ++i) {
      const size_t seg_at = s.pos();
      const uint32_t flags = s.u32();
      if (flags > 2) throw DecodeError(seg_at, "malformed data segment kind");
      DataSegment d;
      if (flags == 1) {
        d.mode = SegmentMode::Passive;
      } else {
        d.mode = SegmentMode::Active;
        if (flags == 2) d.memory = s.u32();
        d.offset = const_expr(s);
      }
      const uint32_t len = count(s);
      d.bytes_begin = s.pos();
      d.bytes_size = len;
      s.skip(len);
      m_.datas.push_back(std::move(d));
    }
  }

  void build_index_spaces() {
    for (const Import& im : m_.imports) {
      switch (im.kind) {
        case ExternKind::Func:
          m_.func_space.push_back(im.func_type);
          ++m_.num_imported_funcs;
          break;
        case ExternKind::Table:
          m_.table_space.push_back(im.table);
          ++m_.num_imported_tables;
          break;
        case ExternKind::Memory:
          m_.memory_space.push_back(im.memory);
          ++m_.num_imported_memories;
          break;
        case ExternKind::Global:
          m_.global_space.push_back(im.global);
          ++m_.num_imported_globals;
          break;
      }
    }
    m_.func_space.insert(m_.func_space.end(), m_.functions.begin(), m_.functions.end());
    m_.table_space.insert(m_.table_space.end(), m_.tables.begin(), m_.tables.end());
    m_.memory_space.insert(m_.memory_space.end(), m_.memories.begin(), m_.memories.end());
    for (const Global& g : m_.globals) m_.global_space.push_back(g.type);
  }

  Module& m_;
  const uint8_t* p_;
  size_t size_;
};

Error make_error(size_t offset, const char* what) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "offset 0x%zx: ", offset);
  return Error{buf + std::string(what)};
}

}  // namespace

Result<std::shared_ptr<const Module>> decode_module(std::span<const uint8_t> bytes) {
  try {
    auto m = std::make_shared<Module>();
    m->bytes.assign(bytes.begin(), bytes.end());
    Decoder(*m).decode();
    return std::shared_ptr<const Module>(std::move(m));
  } catch (const DecodeError& e) {
    // Running off the end of a section or function body (rather than of the whole module) gets
    // the reference interpreter's more specific wording.
    if (std::string_view(e.what()) == "unexpected end" && e.offset() < bytes.size())
      return make_error(e.offset(), "unexpected end of section or function");
    return make_error(e.offset(), e.what());
  } catch (const std::bad_alloc&) {
    return Error{"out of memory while decoding module"};
  } catch (const std::length_error&) {
    return Error{"out of memory while decoding module"};
  }
}

}  // namespace wc::engine
