// Linux errno -> WASI errno, one to one where WASI has the code (the table in typenames.witx).
#pragma once

#include <cstdint>

namespace wc::host::wasi {

// `linux_errno` is positive (errno) or negative (a broker result); 0 maps to success.
// Codes WASI lacks (ENOTBLK, ...) become EIO, as wasmtime does.
uint16_t errno_from_linux(int linux_errno);

// The last errno, for the common `if (syscall(...) < 0) return errno_now();`.
uint16_t errno_now();

// The WASI name ("badf", "notcapable", ...), for diagnostics and tests.
const char* errno_name(uint16_t wasi_errno);

}  // namespace wc::host::wasi
