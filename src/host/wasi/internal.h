// Helpers shared by the function groups (not part of the API).
#pragma once

#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>

#include "host/wasi/guest_memory.h"

namespace wc::host::wasi {

// fstat(2) as the syscall itself. glibc spells fstat(fd) as newfstatat(fd, "", AT_EMPTY_PATH),
// which the worker's seccomp filter can only trap (the empty path lives in memory a filter
// cannot read): a SIGSYS round trip per call (sandbox/seccomp.cc). SYS_fstat is allowed
// outright. -1 and errno on failure, like fstat.
inline int host_fstat(int fd, struct stat* st) {
  return static_cast<int>(syscall(SYS_fstat, fd, st));
}

// WASI fdflags of a Linux file status (F_GETFL, or the flags an fd was opened with).
uint16_t fdflags_of(int linux_flags);

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
