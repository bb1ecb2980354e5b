// WASI preview 1 (`wasi_snapshot_preview1`) for one guest, written against BrokerClient:
// every call that names a path goes to the broker; data calls on fds the worker holds are
// plain syscalls. No path-based syscall is made here (the worker's seccomp filter forbids
// them).
//
//   WasiConfig cfg{.args = {"prog.wasm", "x"}, .env = {"K=V"}, .broker = &broker};
//   WasiContext wasi(cfg);
//   Linker linker;  define_wasi(linker, store, wasi);
//   CommandResult r = run_command(store, linker, module);   // r.exit_code
//
// Each WASI function is a member taking the caller's memory and the raw arguments and
// returning the WASI errno, so tests can drive them without a wasm module.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/runtime/linker.h"
#include "engine/runtime/store.h"
#include "host/broker_client.h"
#include "host/wasi/fd_table.h"
#include "host/wasi/guest_memory.h"
#include "host/wasi/open_reuse.h"

namespace wc::host::wasi {

struct WasiConfig {
  std::vector<std::string> args;  // argv, argv[0] included
  std::vector<std::string> env;   // "KEY=VALUE"
  // Guest fds 0, 1, 2 map to these host fds; they are borrowed (never closed by us). -1 leaves
  // the guest fd closed.
  int stdin_fd = 0, stdout_fd = 1, stderr_fd = 2;
  // Path authority. Its preopens become guest fds 3.. in order; the context takes ownership
  // of every fd the broker hands over (preopen directories and opened files). Must outlive
  // the context. May be null: no filesystem at all.
  BrokerClient* broker = nullptr;
  // Pre-opened listening sockets (--tcplisten), owned by the context once given; they follow
  // the preopens so wasi-libc's preopen scan (which stops at the first EBADF) sees every dir.
  std::vector<int> listen_sockets;
  uint32_t max_fds = 1024;
  // Keep read-only opens of regular files from read-only mounts for reuse by the same open
  // (open_reuse.h says why that is safe); false sends every open to the broker.
  bool reuse_read_only_opens = true;
};

class WasiContext {
 public:
  explicit WasiContext(WasiConfig config);
  ~WasiContext();
  WasiContext(const WasiContext&) = delete;
  WasiContext& operator=(const WasiContext&) = delete;

  FdTable& fds() { return fds_; }
  // Before anything that makes a new host fd for the table: false (say EMFILE) when the table
  // is full. Else fds kept for reuse are closed where they would take the host descriptor the
  // new one needs: the worker's RLIMIT_NOFILE leaves room for max_fds table entries, not for
  // kept fds besides, and past it the kernel drops a descriptor the broker sends (EIO).
  bool room_for_fd();
  uint32_t max_fds() const { return config_.max_fds; }
  BrokerClient* broker() { return config_.broker; }
  // Blocking waits (poll_oneoff, the socket extensions) wake every 100 ms to check this flag
  // (the store's interrupt flag) and return EINTR once it is set, so --timeout and interrupt()
  // can stop a guest blocked in the host; the interpreter then traps at its next check.
  void set_interrupt_flag(std::atomic<bool>* flag) { interrupt_ = flag; }
  std::atomic<bool>* interrupt_flag() const { return interrupt_; }
  // A process whose flag is only ever set by a signal handler (the worker's SIGXCPU) needs no
  // periodic check in poll_oneoff: the signal itself ends the wait (EINTR), and the flag is
  // read then. Without the 100 ms wakeups an idle guest costs no CPU at all (10,000 idle
  // containers' wakeups alone kept two cores busy). Socket waits keep their 100 ms check.
  void set_interrupt_by_signal_only(bool on) { interrupt_by_signal_only_ = on; }

  using M = GuestMemory;
  // args / environ / clocks / random / process
  uint16_t args_get(M& m, uint32_t argv, uint32_t argv_buf);
  uint16_t args_sizes_get(M& m, uint32_t argc_out, uint32_t size_out);
  uint16_t environ_get(M& m, uint32_t environ, uint32_t environ_buf);
  uint16_t environ_sizes_get(M& m, uint32_t count_out, uint32_t size_out);
  uint16_t clock_res_get(M& m, uint32_t id, uint32_t res_out);
  uint16_t clock_time_get(M& m, uint32_t id, uint64_t precision, uint32_t time_out);
  uint16_t random_get(M& m, uint32_t buf, uint32_t len);
  uint16_t sched_yield();
  uint16_t proc_raise(uint32_t sig);

  // fd_*
  uint16_t fd_advise(uint32_t fd, uint64_t offset, uint64_t len, uint32_t advice);
  uint16_t fd_allocate(uint32_t fd, uint64_t offset, uint64_t len);
  uint16_t fd_close(uint32_t fd);
  uint16_t fd_datasync(uint32_t fd);
  uint16_t fd_fdstat_get(M& m, uint32_t fd, uint32_t out);
  uint16_t fd_fdstat_set_flags(uint32_t fd, uint32_t flags);
  uint16_t fd_fdstat_set_rights(uint32_t fd, uint64_t base, uint64_t inheriting);
  uint16_t fd_filestat_get(M& m, uint32_t fd, uint32_t out);
  uint16_t fd_filestat_set_size(uint32_t fd, uint64_t size);
  uint16_t fd_filestat_set_times(uint32_t fd, uint64_t atim, uint64_t mtim, uint32_t fst);
  uint16_t fd_pread(M& m, uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint64_t offset,
                    uint32_t nread_out);
  uint16_t fd_prestat_get(M& m, uint32_t fd, uint32_t out);
  uint16_t fd_prestat_dir_name(M& m, uint32_t fd, uint32_t path, uint32_t path_len);
  uint16_t fd_pwrite(M& m, uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint64_t offset,
                     uint32_t nwritten_out);
  uint16_t fd_read(M& m, uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t nread_out);
  uint16_t fd_readdir(M& m, uint32_t fd, uint32_t buf, uint32_t buf_len, uint64_t cookie,
                      uint32_t bufused_out);
  uint16_t fd_renumber(uint32_t from, uint32_t to);
  uint16_t fd_seek(M& m, uint32_t fd, int64_t offset, uint32_t whence, uint32_t newoffset_out);
  uint16_t fd_sync(uint32_t fd);
  uint16_t fd_tell(M& m, uint32_t fd, uint32_t offset_out);
  uint16_t fd_write(M& m, uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t nwritten_out);

  // path_*
  uint16_t path_create_directory(M& m, uint32_t fd, uint32_t path, uint32_t path_len);
  uint16_t path_filestat_get(M& m, uint32_t fd, uint32_t flags, uint32_t path, uint32_t path_len,
                             uint32_t out);
  uint16_t path_filestat_set_times(M& m, uint32_t fd, uint32_t flags, uint32_t path,
                                   uint32_t path_len, uint64_t atim, uint64_t mtim, uint32_t fst);
  uint16_t path_link(M& m, uint32_t old_fd, uint32_t old_flags, uint32_t old_path, uint32_t old_len,
                     uint32_t new_fd, uint32_t new_path, uint32_t new_len);
  uint16_t path_open(M& m, uint32_t dirfd, uint32_t dirflags, uint32_t path, uint32_t path_len,
                     uint32_t oflags, uint64_t rights_base, uint64_t rights_inheriting,
                     uint32_t fdflags, uint32_t fd_out);
  uint16_t path_readlink(M& m, uint32_t fd, uint32_t path, uint32_t path_len, uint32_t buf,
                         uint32_t buf_len, uint32_t bufused_out);
  uint16_t path_remove_directory(M& m, uint32_t fd, uint32_t path, uint32_t path_len);
  uint16_t path_rename(M& m, uint32_t fd, uint32_t old_path, uint32_t old_len, uint32_t new_fd,
                       uint32_t new_path, uint32_t new_len);
  uint16_t path_symlink(M& m, uint32_t old_path, uint32_t old_len, uint32_t fd, uint32_t new_path,
                        uint32_t new_len);
  uint16_t path_unlink_file(M& m, uint32_t fd, uint32_t path, uint32_t path_len);

  // poll / sockets
  uint16_t poll_oneoff(M& m, uint32_t in, uint32_t out, uint32_t nsubscriptions,
                       uint32_t nevents_out);
  uint16_t sock_accept(M& m, uint32_t fd, uint32_t flags, uint32_t fd_out);
  uint16_t sock_recv(M& m, uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t ri_flags,
                     uint32_t datalen_out, uint32_t roflags_out);
  uint16_t sock_send(M& m, uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t si_flags,
                     uint32_t datalen_out);
  uint16_t sock_shutdown(uint32_t fd, uint32_t how);

 private:
  // The entry for `fd` if it holds all of `needed` rights; else EBADF / ENOTCAPABLE.
  uint16_t lookup(uint32_t fd, uint64_t needed, FdEntry** out);
  // Same, for calls that need a position: a directory has none (EBADF, as wasmtime).
  uint16_t lookup_not_dir(uint32_t fd, uint64_t needed, FdEntry** out);
  // Same, and the entry must be a directory capability (ENOTDIR otherwise); rights its
  // read-only mount withholds pass, for the broker to refuse (FdEntry::withheld_by_mount).
  uint16_t lookup_dir(uint32_t fd, uint64_t needed, FdEntry** out);
  // Closes the host fd (if ours) and tells the broker a directory handle is gone.
  void release(FdEntry& entry);
  // Adds a socket accepted or given to us.
  std::optional<uint32_t> add_socket(int host_fd);

  WasiConfig config_;
  static constexpr size_t kReuseHeadroom = 32;  // fds left free when keeping one for reuse
  OpenReuse reuse_;  // before fds_: the entries released at destruction give fds back to it
  FdTable fds_;
  std::atomic<bool>* interrupt_ = nullptr;
  bool interrupt_by_signal_only_ = false;
};

// Every wasi_snapshot_preview1 function, bound to `ctx` (which must outlive the store's use
// of them). Memory is the calling instance's memory 0; with none, every pointer is EFAULT.
void define_wasi(engine::Linker& linker, engine::Store& store, WasiContext& ctx);

// A WASI command: instantiate, call `_start`. exit_code is proc_exit's code, 0 when _start
// returns; a trap (other than exit) sets `trap` and exit_code 134 (as for SIGABRT, like
// wasmtime); a link/instantiation failure sets `error` and exit_code 1.
struct CommandResult {
  int exit_code = 0;
  std::optional<engine::Trap> trap;
  std::string error;
};
CommandResult run_command(engine::Store& store, const engine::Linker& linker,
                          std::shared_ptr<const engine::Module> module);

}  // namespace wc::host::wasi
