// The guest's file descriptor table: guest fd -> what the worker holds for it. Pure
// bookkeeping: releasing the host resources of a removed entry is the caller's job
// (WasiContext::release), so the table itself can be tested without fds.
//
// Authority lives in the entry (the directory handle the broker resolves paths under, and
// the rights), never in the number: moving or closing entries cannot create authority.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "host/broker_client.h"
#include "host/wasi/open_reuse.h"

namespace wc::host::sockets {
struct SocketState;  // host/sockets/socket_core.h
}

namespace wc::host::wasi {

struct FdEntry {
  int host_fd = -1;
  bool owns_host_fd = true;  // false for the stdio fds we were lent
  uint8_t filetype = 0;      // WASI filetype (wasi_abi.h)
  uint64_t rights_base = 0;
  uint64_t rights_inheriting = 0;
  std::optional<DirHandle> dir;  // a directory capability: path_* resolve beneath it
  bool is_preopen = false;
  std::string preopen_name;  // fd_prestat_dir_name, preopens only
  bool read_only = false;    // from a read-only mount
  // Directory rights a read-only mount withholds (the write side). They are not advertised,
  // but a path call needing one still goes to the broker, whose EROFS (with its audit line
  // and hint) says more than ENOTCAPABLE would; the broker refuses it whatever the rights.
  uint64_t withheld_by_mount = 0;
  // The fdflags of a regular file or directory, from its open and kept by
  // fd_fdstat_set_flags, so fd_fdstat_get (which wasi-libc calls on the directory before every
  // open) need not ask the kernel. For these the broker leaves the host fd O_NONBLOCK, which
  // does nothing to them, instead of spending an fcntl per open to clear it: only this field
  // says what the guest asked for. Empty for other fds (they ask F_GETFL).
  std::optional<uint16_t> known_fdflags;
  // Sockets opened by a socket extension (host/sockets/): what was asked for before the
  // broker created the host socket (host_fd is -1 until then), shared across fd_renumber.
  std::shared_ptr<sockets::SocketState> socket;
  // A read-only open the worker may keep on close and hand out again for the same open
  // (open_reuse.h); empty for everything else.
  std::optional<ReusableOpen> reusable;
};

class FdTable {
 public:
  explicit FdTable(uint32_t max_fds = 4096) : max_fds_(max_fds) {}

  FdEntry* get(uint32_t fd);
  // Lowest free number (POSIX order); nullopt when max_fds are open (EMFILE).
  std::optional<uint32_t> insert(FdEntry entry);
  std::optional<FdEntry> remove(uint32_t fd);
  // Moves `from` onto `to`; both must be open (EBADF otherwise, as wasmtime). Returns the
  // entry that was at `to`, which the caller releases. from == to is a no-op returning nullopt.
  bool renumber(uint32_t from, uint32_t to, std::optional<FdEntry>* displaced);

  size_t open_count() const;
  uint32_t max_fds() const { return max_fds_; }
  // True when no more fds can be opened; the first time, says so on `notice_fd` (the guest's
  // stderr, so the user sees it in the output or the container's log): an EMFILE without a
  // word is how a server under load fails mysteriously. insert() failing says so too.
  bool full();
  void set_notice_fd(int fd) { notice_fd_ = fd; }
  // Also called once, the first time the table is full (the worker reports the limit to the
  // broker with it).
  void set_on_full(std::function<void()> f) { on_full_ = std::move(f); }
  // Every open number, ascending (for destruction and tests).
  std::vector<uint32_t> open_fds() const;

 private:
  void notice_full();
  uint32_t max_fds_;
  std::vector<std::optional<FdEntry>> slots_;
  int notice_fd_ = -1;
  std::function<void()> on_full_;
  bool noticed_ = false;
};

}  // namespace wc::host::wasi
