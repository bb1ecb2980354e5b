// Helpers shared by the function groups (not part of the API).
#pragma once

#include <sys/stat.h>
#include <time.h>

#include <cstdint>

#include "host/wasi/guest_memory.h"

namespace wc::host::wasi {

// WASI filetype of a stat result; sockets ask the fd for SOCK_STREAM / SOCK_DGRAM when one is
// given (fd < 0: a path stat, reported as a stream socket).
uint8_t filetype_of(const struct stat& st, int fd);

// Writes a 64-byte filestat at `out` (already bounds-checked by the caller or EFAULT here).
uint16_t store_filestat(GuestMemory& m, uint32_t out, const struct stat& st, uint8_t filetype);

// WASI (atim, mtim, fstflags) -> utimensat(2) times; EINVAL when both X and X_NOW are set.
uint16_t to_timespecs(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec times[2]);

// clockid -> Linux clock; false for an unknown id.
bool linux_clock(uint32_t wasi_clock, clockid_t* out);

}  // namespace wc::host::wasi
