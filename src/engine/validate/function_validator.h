// Per-function part of validation: the spec appendix's operand/control stack algorithm.
// Internal to the validator; module_validator.cc drives it once per defined function.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/instr.h"
#include "engine/module.h"
#include "engine/validate/validator.h"

namespace wc::engine {

// Stand-in for the spec's `Unknown` operand type (bottom of a polymorphic stack). 0x00 is no
// value type's encoding, so it cannot collide with a real ValType.
constexpr ValType kUnknownType = static_cast<ValType>(0x00);

// Thrown inside the validator and turned into an Error at its entry points.
struct ValidationFailure {
  size_t offset;
  std::string message;
};

// The operand stack: a buffer used up to size_, so that a push is a compare and a store inline in
// step() (std::vector::push_back stayed an out-of-line call there; step() is big enough that
// GCC leaves even these one-liners out of line unless told, hence always_inline). It only grows,
// and one FunctionValidator serves a whole module, so a module pays for a few allocations in all.
class TypeStack {
 public:
  [[gnu::always_inline]] size_t size() const { return size_; }
  void clear() { size_ = 0; }
  [[gnu::always_inline]] void push(ValType t) {
    if (size_ == buf_.size()) [[unlikely]]
      grow(size_ + 1);
    buf_[size_++] = t;
  }
  void push(const ValType* ts, size_t n) {
    if (size_ + n > buf_.size()) [[unlikely]]
      grow(size_ + n);
    std::copy(ts, ts + n, buf_.data() + size_);
    size_ += n;
  }
  [[gnu::always_inline]] ValType back() const { return buf_[size_ - 1]; }
  [[gnu::always_inline]] void pop_back() { --size_; }
  void truncate(size_t n) { size_ = n; }  // n <= size()

 private:
  // Out of line and rare: the pushes stay small enough to inline.
  [[gnu::noinline]] void grow(size_t need) {
    buf_.resize(std::max<size_t>({need, 2 * buf_.size(), 64}));
  }
  std::vector<ValType> buf_;
  size_t size_ = 0;
};

// One instance is reused for all functions of a module so that the stacks, the scratch
// vectors and the Instr's br_table target vector keep their capacity between functions.
class FunctionValidator {
 public:
  // `declared` is C.refs: declared[f] says function f may be named by `ref.func` in code.
  FunctionValidator(const Module& module, const std::vector<bool>& declared);

  // Validates module.code[defined_index]. nullopt when valid.
  std::optional<Error> validate(uint32_t defined_index);

 private:
  // A result or parameter list without owning storage: it points into a FuncType of the
  // module, or at a static one-element array for single-value block types.
  struct Types {
    const ValType* data = nullptr;
    uint32_t size = 0;
    ValType operator[](uint32_t i) const { return data[i]; }
    bool operator==(const Types& o) const;
  };

  struct Frame {
    Op op;
    Types start;
    Types end;
    size_t height;
    bool unreachable;
  };

  void run(uint32_t defined_index);
  void step(const Instr& in);
  void step_simd(const Instr& in);

  [[noreturn]] void fail(const std::string& message) const;
  [[noreturn, gnu::cold, gnu::noinline]] void fail_mismatch(ValType expected, ValType actual,
                                                            bool empty) const;
  // Builds the message from its parts (strings and numbers) out of line: the hot functions that
  // check (step above all) then keep no string temporaries, and so a much smaller frame.
  template <typename... Parts>
  [[noreturn, gnu::cold, gnu::noinline]] void failf(const Parts&... parts) const {
    std::string message;
    (append(message, parts), ...);
    fail(message);
  }
  static void append(std::string& s, const char* part) { s += part; }
  static void append(std::string& s, uint64_t n) { s += std::to_string(n); }

  void push(ValType t) { vals_.push(t); }
  ValType pop();
  // The common case inline: the expected type on top, above the current frame's height.
  [[gnu::always_inline]] ValType pop(ValType expected) {
    if (vals_.size() > ctrls_.back().height && vals_.back() == expected) [[likely]] {
      vals_.pop_back();
      return expected;
    }
    return pop_checked(expected);
  }
  ValType pop_checked(ValType expected);
  void push(Types ts);
  void pop(Types ts);
  void push_ctrl(Op op, Types in, Types out);
  Frame pop_ctrl();
  void set_unreachable();
  const Frame& label(uint32_t depth) const;
  static Types label_types(const Frame& f) { return f.op == Op::Loop ? f.start : f.end; }
  Types single(ValType t) const;
  void block_types(const BlockType& bt, Types& in, Types& out) const;

  ValType local_type(uint32_t index) const;
  void check_memory(uint32_t index) const;
  const TableType& table(uint32_t index) const;
  void mem_access(const MemArg& m, uint32_t natural_align) const;

  const Module& module_;
  const std::vector<bool>& declared_;

  // State of the function being validated.
  uint32_t func_index_ = 0;  // in the function index space, for messages
  size_t offset_ = 0;        // of the current instruction, for messages
  Types params_;
  Types results_;
  // Type of each local, parameters first. Flat, so a lookup is one bounds check: the decoder
  // caps a function's declared locals at 50000 (kMaxFunctionLocals), so expanding the
  // run-length groups is bounded.
  std::vector<ValType> locals_;
  TypeStack vals_;
  std::vector<Frame> ctrls_;
  std::vector<ValType> scratch_;  // br_table: values popped for one label, pushed back
  Instr instr_;
};

}  // namespace wc::engine
