// The wasi_snapshot_preview1 ABI as the guest sees it: enum values, flag bits and struct
// layouts (offsets in guest memory, little-endian), from typenames.witx.
#pragma once

#include <cstdint>

namespace wc::host::wasi {

// errno (u16). Only the values we name in code; the full table lives in errno_map.cc.
namespace err {
constexpr uint16_t kSuccess = 0, k2big = 1, kAcces = 2, kAgain = 6, kBadf = 8, kExist = 20,
                   kFault = 21, kInval = 28, kIo = 29, kIsdir = 31, kIlseq = 25, kMfile = 33,
                   kNametoolong = 37, kNoent = 44, kNosys = 52, kNotdir = 54, kNotsock = 57,
                   kNotsup = 58, kOverflow = 61, kPerm = 63, kSpipe = 70, kNotcapable = 76;
}  // namespace err

// filetype (u8)
constexpr uint8_t kUnknown = 0, kBlockDevice = 1, kCharacterDevice = 2, kDirectory = 3,
                  kRegularFile = 4, kSocketDgram = 5, kSocketStream = 6, kSymbolicLink = 7;

namespace rights {
constexpr uint64_t kFdDatasync = 1ull << 0, kFdRead = 1ull << 1, kFdSeek = 1ull << 2,
                   kFdFdstatSetFlags = 1ull << 3, kFdSync = 1ull << 4, kFdTell = 1ull << 5,
                   kFdWrite = 1ull << 6, kFdAdvise = 1ull << 7, kFdAllocate = 1ull << 8,
                   kPathCreateDirectory = 1ull << 9, kPathCreateFile = 1ull << 10,
                   kPathLinkSource = 1ull << 11, kPathLinkTarget = 1ull << 12,
                   kPathOpen = 1ull << 13, kFdReaddir = 1ull << 14, kPathReadlink = 1ull << 15,
                   kPathRenameSource = 1ull << 16, kPathRenameTarget = 1ull << 17,
                   kPathFilestatGet = 1ull << 18, kPathFilestatSetSize = 1ull << 19,
                   kPathFilestatSetTimes = 1ull << 20, kFdFilestatGet = 1ull << 21,
                   kFdFilestatSetSize = 1ull << 22, kFdFilestatSetTimes = 1ull << 23,
                   kPathSymlink = 1ull << 24, kPathRemoveDirectory = 1ull << 25,
                   kPathUnlinkFile = 1ull << 26, kPollFdReadwrite = 1ull << 27,
                   kSockShutdown = 1ull << 28, kSockAccept = 1ull << 29;
constexpr uint64_t kAll = (1ull << 30) - 1;
// What an open file (or stream) can do; what a socket can do.
constexpr uint64_t kFile = kFdDatasync | kFdRead | kFdSeek | kFdFdstatSetFlags | kFdSync | kFdTell |
                           kFdWrite | kFdAdvise | kFdAllocate | kFdFilestatGet |
                           kFdFilestatSetSize | kFdFilestatSetTimes | kPollFdReadwrite;
constexpr uint64_t kSocket = kFdRead | kFdWrite | kFdFdstatSetFlags | kFdFilestatGet |
                             kPollFdReadwrite | kSockShutdown | kSockAccept;
// What a directory fd can do itself: resolve and change paths beneath it, list it, stat and
// touch it, sync it. No read/write/seek/tell: those are a file's (fd_seek on a directory is
// EBADF, as wasmtime). No datasync either, so that asking for a directory's own rights never
// counts as asking to write.
constexpr uint64_t kDirBase =
    kPathCreateDirectory | kPathCreateFile | kPathLinkSource | kPathLinkTarget | kPathOpen |
    kFdReaddir | kPathReadlink | kPathRenameSource | kPathRenameTarget | kPathFilestatGet |
    kPathFilestatSetSize | kPathFilestatSetTimes | kFdFilestatGet | kFdFilestatSetTimes |
    kPathSymlink | kPathRemoveDirectory | kPathUnlinkFile | kFdSync;
// What a directory passes down to what is opened beneath it: subdirectories and files.
constexpr uint64_t kDirInheriting = kDirBase | kFile;
// The read side of both: all a read-only mount advertises, and so all it grants.
constexpr uint64_t kReadOnly = kFdRead | kFdSeek | kFdTell | kFdAdvise | kFdFilestatGet |
                               kFdFdstatSetFlags | kPollFdReadwrite | kPathOpen | kFdReaddir |
                               kPathReadlink | kPathFilestatGet;
// Rights that decide the host open mode (read, write, or both): path_open refuses these when
// the directory does not pass them down, where other rights are only left out of the new fd.
constexpr uint64_t kOpenRead = kFdRead | kFdReaddir;
constexpr uint64_t kOpenWrite = kFdWrite | kFdDatasync | kFdAllocate;
}  // namespace rights

namespace fdflags {
constexpr uint16_t kAppend = 1, kDsync = 2, kNonblock = 4, kRsync = 8, kSync = 16;
constexpr uint16_t kAll = 31;
}  // namespace fdflags
namespace oflags {
constexpr uint16_t kCreat = 1, kDirectory = 2, kExcl = 4, kTrunc = 8;
constexpr uint16_t kAll = 15;
}  // namespace oflags
constexpr uint32_t kLookupSymlinkFollow = 1;
namespace fstflags {
constexpr uint16_t kAtim = 1, kAtimNow = 2, kMtim = 4, kMtimNow = 8;
}
namespace whence {
constexpr uint8_t kSet = 0, kCur = 1, kEnd = 2;
}
namespace clockid {
constexpr uint32_t kRealtime = 0, kMonotonic = 1, kProcessCputime = 2, kThreadCputime = 3;
}
namespace eventtype {
constexpr uint8_t kClock = 0, kFdRead = 1, kFdWrite = 2;
}
constexpr uint16_t kEventFdReadwriteHangup = 1;
constexpr uint16_t kSubscriptionClockAbstime = 1;
constexpr uint16_t kRecvPeek = 1, kRecvWaitall = 2, kRecvDataTruncated = 1;
constexpr uint8_t kShutRd = 1, kShutWr = 2;

// Struct sizes and field offsets.
namespace layout {
constexpr uint32_t kIovecSize = 8;      // buf u32 @0, buf_len u32 @4
constexpr uint32_t kFdstatSize = 24;    // filetype u8 @0, flags u16 @2, base u64 @8, inh u64 @16
constexpr uint32_t kFilestatSize = 64;  // dev @0 ino @8 filetype u8 @16 nlink @24 size @32
                                        // atim @40 mtim @48 ctim @56
constexpr uint32_t kPrestatSize = 8;    // tag u8 @0 (0 = dir), name_len u32 @4
constexpr uint32_t kDirentSize = 24;    // d_next u64 @0, d_ino u64 @8, d_namlen u32 @16,
                                        // d_type u8 @20; the name follows, not NUL-terminated
constexpr uint32_t kSubscriptionSize = 48;  // userdata u64 @0, tag u8 @8; clock: id u32 @16,
                                            // timeout u64 @24, precision u64 @32, flags u16 @40;
                                            // fd_read/fd_write: fd u32 @16
constexpr uint32_t kEventSize = 32;         // userdata u64 @0, error u16 @8, type u8 @10,
                                            // nbytes u64 @16, flags u16 @24
}  // namespace layout

}  // namespace wc::host::wasi
