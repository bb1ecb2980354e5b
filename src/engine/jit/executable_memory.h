// Code pages that are never writable and executable at once: machine code is written into an
// anonymous read+write mapping, which is then switched to read+exec before anything runs it
// (the worker's seccomp filter refuses PROT_WRITE|PROT_EXEC together).
#pragma once

#include <cstddef>
#include <cstdint>

namespace wc::jit {

// Copies `size` bytes into fresh pages and makes them read+exec. Returns null (and maps
// nothing) if the kernel refuses either step. *mapped receives the mapping's length.
uint8_t* map_executable(const uint8_t* code, size_t size, size_t* mapped);

void unmap_executable(uint8_t* base, size_t mapped);

}  // namespace wc::jit
