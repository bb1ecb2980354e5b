// Shared by the guest programs: errno names (wasi-libc's errno values are WASI's) and raw
// calls that wasi-libc does not declare.
#pragma once

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

static const char* const kErrnoNames[] = {
    "success",     "2big",           "acces",       "addrinuse",   "addrnotavail",
    "afnosupport", "again",          "already",     "badf",        "badmsg",
    "busy",        "canceled",       "child",       "connaborted", "connrefused",
    "connreset",   "deadlk",         "destaddrreq", "dom",         "dquot",
    "exist",       "fault",          "fbig",        "hostunreach", "idrm",
    "ilseq",       "inprogress",     "intr",        "inval",       "io",
    "isconn",      "isdir",          "loop",        "mfile",       "mlink",
    "msgsize",     "multihop",       "nametoolong", "netdown",     "netreset",
    "netunreach",  "nfile",          "nobufs",      "nodev",       "noent",
    "noexec",      "nolck",          "nolink",      "nomem",       "nomsg",
    "noprotoopt",  "nospc",          "nosys",       "notconn",     "notdir",
    "notempty",    "notrecoverable", "notsock",     "notsup",      "notty",
    "nxio",        "overflow",       "ownerdead",   "perm",        "pipe",
    "proto",       "protonosupport", "prototype",   "range",       "rofs",
    "spipe",       "srch",           "stale",       "timedout",    "txtbsy",
    "xdev",        "notcapable"};

static inline const char* ename(int e) {
  return e >= 0 && e < (int)(sizeof kErrnoNames / sizeof kErrnoNames[0]) ? kErrnoNames[e] : "?";
}

// Prints "label: success" or "label: <errno name>" for a raw WASI call's result.
#define SHOW(label, call) printf("%s: %s\n", label, ename((int)(call)))
// For libc calls returning -1 and setting errno.
#define SHOW_LIBC(label, call)                               \
  do {                                                       \
    errno = 0;                                               \
    int r_ = (int)(call);                                    \
    printf("%s: %s\n", label, r_ < 0 ? ename(errno) : "ok"); \
  } while (0)

__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise"))) uint16_t
raw_proc_raise(uint32_t sig);

static inline uint32_t mem_size(void) { return (uint32_t)__builtin_wasm_memory_size(0) * 65536u; }
// A guest pointer made from a number (for out-of-bounds tests).
#define PTR(T, n) ((T)(uintptr_t)(n))

// Raw imports taking explicit (pointer, length) paths: wasi-libc's wrappers call strlen in
// the guest, which would trap on a bad pointer before the host ever sees it.
#define WASI_IMPORT(name) \
  __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))
WASI_IMPORT(path_open)
uint16_t raw_path_open(uint32_t fd, uint32_t dirflags, uint32_t path, uint32_t path_len,
                       uint32_t oflags, uint64_t base, uint64_t inheriting, uint32_t fdflags,
                       uint32_t fd_out);
WASI_IMPORT(path_create_directory)
uint16_t raw_path_create_directory(uint32_t fd, uint32_t path, uint32_t path_len);
WASI_IMPORT(path_unlink_file)
uint16_t raw_path_unlink_file(uint32_t fd, uint32_t path, uint32_t path_len);
