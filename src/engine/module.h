// An immutable, decoded WebAssembly module. Produced by decode(), checked by validate(),
// instantiated by the runtime. Function bodies stay as byte ranges into `bytes`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/instr.h"
#include "engine/types.h"

namespace wc::engine {

struct Import {
  std::string module;
  std::string name;
  ExternKind kind = ExternKind::Func;
  uint32_t func_type = 0;  // kind == Func: index into Module::types
  TableType table;         // kind == Table
  MemoryType memory;       // kind == Memory
  GlobalType global;       // kind == Global
};

struct Export {
  std::string name;
  ExternKind kind = ExternKind::Func;
  uint32_t index = 0;
};

// A constant expression, decoded instruction by instruction (the `end` is not stored).
// The decoder accepts any instruction here; the validator rejects non-constant ones.
struct ConstExpr {
  std::vector<Instr> instrs;
  size_t offset = 0;  // of the first instruction, for error messages
};

struct Global {
  GlobalType type;
  ConstExpr init;
};

enum class SegmentMode : uint8_t { Active, Passive, Declarative };

struct ElemSegment {
  SegmentMode mode = SegmentMode::Passive;
  uint32_t table = 0;  // Active only
  ConstExpr offset;    // Active only
  ValType type = ValType::FuncRef;
  // One expression per element; the function-index encodings become `ref.func x`.
  std::vector<ConstExpr> init;
};

struct DataSegment {
  SegmentMode mode = SegmentMode::Passive;  // Active or Passive
  uint32_t memory = 0;                      // Active only
  ConstExpr offset;                         // Active only
  // The initial bytes, as a range of Module::bytes (Module::data_bytes): a Go module has
  // 100000 small segments, and copying each into its own vector was a third of its decode.
  size_t bytes_begin = 0;
  size_t bytes_size = 0;
};

struct LocalGroup {
  uint32_t count = 0;
  ValType type = ValType::I32;
};

struct FunctionBody {
  std::vector<LocalGroup> locals;  // as declared, run-length
  uint64_t num_locals = 0;         // sum of the groups (params not included)
  size_t code_begin = 0;           // first instruction, offset in Module::bytes
  size_t code_end = 0;             // one past the final `end`
};

// Contents of the custom "name" section; a malformed name section is ignored (as the spec
// allows), never an error.
struct Names {
  std::string module;
  std::map<uint32_t, std::string> functions;
  std::map<uint32_t, std::map<uint32_t, std::string>> locals;
};

struct CustomSection {
  std::string name;
  size_t begin = 0;  // payload range in Module::bytes
  size_t end = 0;
};

struct Module {
  std::vector<uint8_t> bytes;  // the whole binary; FunctionBody ranges point into it

  std::vector<FuncType> types;
  std::vector<Import> imports;
  std::vector<uint32_t> functions;   // type index of each *defined* function
  std::vector<TableType> tables;     // defined tables
  std::vector<MemoryType> memories;  // defined memories
  std::vector<Global> globals;       // defined globals
  std::vector<Export> exports;
  std::optional<uint32_t> start;
  std::vector<ElemSegment> elems;
  std::optional<uint32_t> data_count;
  std::vector<DataSegment> datas;
  std::vector<FunctionBody> code;  // parallel to `functions`
  std::vector<CustomSection> customs;
  Names names;

  // Whole index spaces (imports first, then definitions), filled in by the decoder.
  std::vector<uint32_t> func_space;  // type index per function
  std::vector<TableType> table_space;
  std::vector<MemoryType> memory_space;
  std::vector<GlobalType> global_space;
  uint32_t num_imported_funcs = 0;
  uint32_t num_imported_tables = 0;
  uint32_t num_imported_memories = 0;
  uint32_t num_imported_globals = 0;

  const FuncType& func_type(uint32_t func_index) const { return types[func_space[func_index]]; }
  std::span<const uint8_t> data_bytes(uint32_t data_index) const {
    const DataSegment& d = datas[data_index];
    return {bytes.data() + d.bytes_begin, d.bytes_size};
  }
};

}  // namespace wc::engine
