#include "host/wasi/errno_map.h"

#include <cerrno>

namespace wc::host::wasi {

uint16_t errno_from_linux(int e) {
  if (e < 0) e = -e;
  switch (e) {
    case 0: return 0;
    case E2BIG: return 1;
    case EACCES: return 2;
    case EADDRINUSE: return 3;
    case EADDRNOTAVAIL: return 4;
    case EAFNOSUPPORT: return 5;
    case EAGAIN: return 6;  // == EWOULDBLOCK
    case EALREADY: return 7;
    case EBADF: return 8;
    case EBADMSG: return 9;
    case EBUSY: return 10;
    case ECANCELED: return 11;
    case ECHILD: return 12;
    case ECONNABORTED: return 13;
    case ECONNREFUSED: return 14;
    case ECONNRESET: return 15;
    case EDEADLK: return 16;  // == EDEADLOCK
    case EDESTADDRREQ: return 17;
    case EDOM: return 18;
    case EDQUOT: return 19;
    case EEXIST: return 20;
    case EFAULT: return 21;
    case EFBIG: return 22;
    case EHOSTUNREACH: return 23;
    case EIDRM: return 24;
    case EILSEQ: return 25;
    case EINPROGRESS: return 26;
    case EINTR: return 27;
    case EINVAL: return 28;
    case EIO: return 29;
    case EISCONN: return 30;
    case EISDIR: return 31;
    case ELOOP: return 32;
    case EMFILE: return 33;
    case EMLINK: return 34;
    case EMSGSIZE: return 35;
    case EMULTIHOP: return 36;
    case ENAMETOOLONG: return 37;
    case ENETDOWN: return 38;
    case ENETRESET: return 39;
    case ENETUNREACH: return 40;
    case ENFILE: return 41;
    case ENOBUFS: return 42;
    case ENODEV: return 43;
    case ENOENT: return 44;
    case ENOEXEC: return 45;
    case ENOLCK: return 46;
    case ENOLINK: return 47;
    case ENOMEM: return 48;
    case ENOMSG: return 49;
    case ENOPROTOOPT: return 50;
    case ENOSPC: return 51;
    case ENOSYS: return 52;
    case ENOTCONN: return 53;
    case ENOTDIR: return 54;
    case ENOTEMPTY: return 55;
    case ENOTRECOVERABLE: return 56;
    case ENOTSOCK: return 57;
    case ENOTSUP: return 58;  // == EOPNOTSUPP
    case ENOTTY: return 59;
    case ENXIO: return 60;
    case EOVERFLOW: return 61;
    case EOWNERDEAD: return 62;
    case EPERM: return 63;
    case EPIPE: return 64;
    case EPROTO: return 65;
    case EPROTONOSUPPORT: return 66;
    case EPROTOTYPE: return 67;
    case ERANGE: return 68;
    case EROFS: return 69;
    case ESPIPE: return 70;
    case ESRCH: return 71;
    case ESTALE: return 72;
    case ETIMEDOUT: return 73;
    case ETXTBSY: return 74;
    case EXDEV: return 75;
    default: return 29;  // EIO
  }
}

uint16_t errno_now() { return errno_from_linux(errno); }

const char* errno_name(uint16_t e) {
  static const char* const kNames[] = {
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
  static_assert(sizeof(kNames) / sizeof(kNames[0]) == 77);
  return e < 77 ? kNames[e] : "unknown";
}

}  // namespace wc::host::wasi
