// Code pages that are never writable and executable at once: machine code is written into an
// anonymous read+write mapping, which is then switched to read+exec before anything runs it
// (the worker's seccomp filter refuses PROT_WRITE|PROT_EXEC together).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace wc::jit {

// Copies `size` bytes into fresh pages and makes them read+exec. Returns null (and maps
// nothing) if the kernel refuses either step. *mapped receives the mapping's length.
uint8_t* map_executable(const uint8_t* code, size_t size, size_t* mapped);

void unmap_executable(uint8_t* base, size_t mapped);

// Whether `pc` lies in the machine code of a live CodeRegion. For the trap path after a
// guard-region fault (interpreter.cc): a fault in compiled code takes the call depth from the
// code's r15, one elsewhere (a C helper the code called) from ExecState, which the code
// stored before the call. Takes a lock: not for a signal handler.
bool in_compiled_code(uintptr_t pc);

// One read+exec mapping holding the code of many functions (a module's), so that a module of
// thousands of small functions costs one mapping and no page per function. Shared by the
// NativeCode objects that point into it.
class CodeRegion {
 public:
  // Null when the kernel refuses the mapping.
  static std::shared_ptr<const CodeRegion> map(const std::vector<uint8_t>& bytes);
  ~CodeRegion();
  CodeRegion(const CodeRegion&) = delete;
  CodeRegion& operator=(const CodeRegion&) = delete;
  const uint8_t* base() const { return base_; }
  size_t mapped() const { return mapped_; }

 private:
  CodeRegion(uint8_t* base, size_t mapped);  // registers it for in_compiled_code()
  uint8_t* base_;
  size_t mapped_;
};

}  // namespace wc::jit
