// Machine code compiled from one function's slot form (x64_compiler.cc), and the contract
// between it and the interpreter.
//
// The compiled code keeps every value in its frame slot, exactly where the interpreter keeps
// it, so control can pass between the two at any instruction boundary: the interpreter enters
// the code at a function's entry, at loop headers (backward-branch targets) and where a call
// returns; the code runs until it meets an instruction it does not compile (a call, a return, a
// trap it leaves to the interpreter, an op not yet emitted) and returns that instruction's
// index, which the interpreter then executes. A fault in the guard region inside the code
// reaches the interpreter's trap scope like one of its own accesses.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace wc::engine {
struct GlobalInstance;
}

namespace wc::jit {

// What compiled code may reach besides its frame and linear memory. Passed by pointer, so the
// code holds no absolute address of this process.
struct JitContext {
  const std::atomic<bool>* interrupt = nullptr;          // polled at backward branches
  wc::engine::GlobalInstance* const* globals = nullptr;  // the running instance's globals
};

class NativeCode {
 public:
  // Takes ownership of `size` bytes at `base`, mapped read+exec.
  NativeCode(uint8_t* base, size_t size, std::vector<uint32_t> entries);
  ~NativeCode();
  NativeCode(const NativeCode&) = delete;
  NativeCode& operator=(const NativeCode&) = delete;

  // The native entry for the instruction at code word `word`, or null when there is none.
  const uint8_t* entry_at(uint32_t word) const {
    uint32_t e = word < entries_.size() ? entries_[word] : 0;
    return e ? base_ + (e - 1) : nullptr;
  }

  // Runs from `target` (an entry_at() address) with the frame at `fp`; returns the code word
  // index of the instruction the interpreter must execute next.
  uint32_t run(uint64_t* fp, uint8_t* mem, const JitContext* ctx, const uint8_t* target) const {
    using Fn = uint32_t (*)(uint64_t*, uint8_t*, const JitContext*, const uint8_t*);
    return reinterpret_cast<Fn>(const_cast<uint8_t*>(base_))(fp, mem, ctx, target);
  }

  size_t code_bytes() const { return size_; }

 private:
  uint8_t* base_;
  size_t size_;
  std::vector<uint32_t> entries_;  // per code word: entry offset + 1, or 0
};

}  // namespace wc::jit
