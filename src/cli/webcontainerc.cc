// webcontainerc: the sandboxed worker. Started only by webcontainerd (spawn_worker), with the
// IPC socket on fd 3, the guest's stdio on 0-2 and its configuration in argv:
//
//   webcontainerc [--memory-limit BYTES] [--cpu-time SECONDS] [--max-fds N]
//                 [--env KEY=VALUE]... -- GUEST_ARGV0 [GUEST_ARGS...]
//   webcontainerc --pooled --max-fds CEILING      (a warm-pool member: supervisor/warm_pool.h)
//   webcontainerc --zygote --max-fds CEILING      (a zygote for one module: supervisor/zygotes.h)
//
// Order matters: confine() first, before a byte of the guest is read; then the module arrives
// over the IPC socket (a sealed memfd, see supervisor/bootstrap.h), is decoded, validated
// and run as a WASI command whose every path operation is brokered over fd 3. The exit status
// is the guest's; diagnostics for the user go to stderr prefixed "webcontainerd:" (the command
// the user ran). Test-only: WC_TEST_ESCAPE=1 makes the worker act compromised once confined.
#include <fcntl.h>
#include <linux/sched.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/binary/decoder.h"
#include "engine/jit/exit_stats.h"
#include "engine/runtime/linker.h"
#include "engine/runtime/prepared_module.h"
#include "engine/runtime/store.h"
#include "engine/runtime/trap.h"
#include "engine/text/wat.h"
#include "engine/validate/validator.h"
#include "host/gojs/go_runtime.h"
#include "host/sockets/sockets.h"
#include "host/wasi/wasi.h"
#include "ipc/client.h"
#include "ipc/output_forwarder.h"
#include "ipc/socket.h"
#include "sandbox/sandbox.h"
#include "supervisor/assignment.h"
#include "supervisor/bootstrap.h"
#include "supervisor/fork_request.h"

// Under ASan the leak checker runs at exit through ptrace-like /proc access that seccomp
// forbids; the worker exits with _exit anyway, but make sure an atexit path cannot hang it.
extern "C" const char* __asan_default_options() { return "detect_leaks=0"; }

namespace {

using wc::sandbox::kWorkerIpcFd;

// RLIMIT_CPU's soft limit sends SIGXCPU. The worker is pid 1 of its pid namespace, where the
// default action of a signal is ignored, so without a handler only the hard limit's SIGKILL
// a second later would stop it. The handler asks the interpreter to stop (it checks the flag
// on calls and back-edges), and main() reports the limit.
std::atomic<bool>* g_interrupt = nullptr;
volatile sig_atomic_t g_cpu_exceeded = 0;

void on_sigxcpu(int) {
  g_cpu_exceeded = 1;
  if (g_interrupt) g_interrupt->store(true, std::memory_order_relaxed);
}

struct WorkerConfig {
  uint64_t memory_limit = 0;
  uint64_t cpu_seconds = 0;
  uint64_t max_fds = 0;
  std::vector<std::string> env;
  std::vector<std::string> args;  // argv[0] first
  bool pooled = false;  // confine now, get the container (argv, stdio, limits) in a message
  // Confine now, get a module, decode and validate it once, then fork one child per container
  // on the daemon's request (supervisor/zygotes.h, fork_request.h).
  bool zygote = false;
  // --engine auto (the default): compile hot functions to x86-64; jit: compile every function
  // first; interp: never compile. Compiling workers may map code pages read+exec (never
  // writable at the same time).
  wc::jit::EngineMode engine = wc::jit::EngineMode::Auto;
  // serve: the guest's stdout and stderr go to the broker (ipc/output_forwarder.h). A pooled
  // worker or a zygote's child learns it from its assignment or fork request instead.
  bool output_ipc = false;
};

// The one broker client of this worker: the guest's host calls and the output forwarder's
// requests share its request sequence.
wc::ipc::IpcBrokerClient& worker_broker() {
  static wc::ipc::IpcBrokerClient client(kWorkerIpcFd);
  return client;
}
wc::ipc::OutputForwarder g_output;

// serve's output channel, once the worker's first message (module, assignment or fork request)
// is read. Before that only fds 1 and 2 are the forwarder's pipe (its bytes wait there).
void start_output() {
  std::string error;
  if (!g_output.start(worker_broker(), &error)) {
    std::fprintf(stderr, "webcontainerd: worker: %s\n", error.c_str());
    _exit(125);  // nobody would read the guest's output
  }
}

[[noreturn]] void die(int code, const std::string& message) {
  std::fprintf(stderr, "webcontainerd: %s\n", message.c_str());
  std::fflush(stdout);
  std::fflush(stderr);
  g_output.finish();  // the message reaches the broker before the worker's end does
  _exit(code);
}

bool parse_u64(std::string_view s, uint64_t* out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc{} && end == s.data() + s.size() && !s.empty();
}

// argv comes from our own broker; anything unexpected is a bug, reported plainly.
bool parse_args(int argc, char** argv, WorkerConfig* c, std::string* error) {
  int i = 1;
  for (; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a == "--pooled" || a == "--zygote") {
      (a == "--pooled" ? c->pooled : c->zygote) = true;
      continue;
    }
    if (a == "--output-ipc") {
      c->output_ipc = true;
      continue;
    }
    if (i + 1 >= argc) {
      *error = "option " + std::string(a) + " needs a value";
      return false;
    }
    std::string_view v = argv[++i];
    if (a == "--memory-limit") {
      if (!parse_u64(v, &c->memory_limit)) return *error = "bad --memory-limit", false;
    } else if (a == "--cpu-time") {
      if (!parse_u64(v, &c->cpu_seconds)) return *error = "bad --cpu-time", false;
    } else if (a == "--max-fds") {
      if (!parse_u64(v, &c->max_fds)) return *error = "bad --max-fds", false;
    } else if (a == "--engine") {
      std::optional<wc::jit::EngineMode> mode = wc::jit::parse_engine_mode(v);
      if (!mode) return *error = "bad --engine", false;
      c->engine = *mode;
    } else if (a == "--env") {
      c->env.emplace_back(v);
    } else {
      *error = "unknown option " + std::string(a);
      return false;
    }
  }
  for (; i < argc; ++i) c->args.emplace_back(argv[i]);
  if (c->pooled && c->zygote) return *error = "--pooled or --zygote, not both", false;
  if (c->pooled || c->zygote) {
    if (!c->args.empty() || c->memory_limit || c->cpu_seconds || !c->env.empty() ||
        c->engine != wc::jit::EngineMode::Auto)
      return *error =
                 "--pooled and --zygote take only --max-fds (the container comes later; it "
                 "runs with --engine auto)",
             false;
    return true;
  }
  if (c->args.empty()) {
    *error = "no guest argv[0] after --";
    return false;
  }
  return true;
}

std::string trap_kind_name(wc::engine::TrapKind k) {
  using wc::engine::TrapKind;
  switch (k) {
    case TrapKind::Unreachable: return "an `unreachable` instruction was executed";
    case TrapKind::MemoryOutOfBounds: return "memory out of bounds";
    case TrapKind::TableOutOfBounds: return "table out of bounds";
    case TrapKind::UndefinedElement: return "undefined element";
    case TrapKind::UninitializedElement: return "uninitialized element";
    case TrapKind::IndirectCallTypeMismatch: return "indirect call type mismatch";
    case TrapKind::IntegerDivideByZero: return "integer divide by zero";
    case TrapKind::IntegerOverflow: return "integer overflow";
    case TrapKind::InvalidConversion: return "invalid conversion";
    case TrapKind::StackExhausted: return "stack exhausted";
    case TrapKind::Interrupted: return "interrupted";
    case TrapKind::Host: return "host";
    case TrapKind::Exit: return "exit";
  }
  return "unknown";
}

// Reads the whole module from the memfd the broker sent (plain read(2) on a held fd).
bool read_module(int fd, uint64_t size, std::vector<uint8_t>* out, std::string* error) {
  out->resize(size);
  uint64_t done = 0;
  while (done < size) {
    ssize_t n = pread(fd, out->data() + done, size - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = n < 0 ? std::string("reading the module: ") + std::strerror(errno)
                     : "reading the module: short file";
      return false;
    }
    done += static_cast<uint64_t>(n);
  }
  return true;
}

// The module's bytes without a copy: the broker's memfd is sealed (no shrink, no write), so
// a private read-only mapping of it cannot change under us. Page faults are the dearest part
// of a start on a paravirtualised MMU (bench/RESULTS.md, serve start breakdown): a mapping
// costs a few fault-around faults where a copy into the heap touched every page twice.
// Falls back to read_module where the kernel refuses the mapping.
class ModuleBytes {
 public:
  bool load(int fd, uint64_t size, std::string* error) {
    if (size > 0 && size <= SIZE_MAX) {
      void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p != MAP_FAILED) {
        map_ = static_cast<const uint8_t*>(p);
        size_ = size;
        return true;
      }
    }
    return read_module(fd, size, &copy_, error);
  }
  std::span<const uint8_t> span() const {
    return map_ ? std::span<const uint8_t>(map_, size_) : std::span<const uint8_t>(copy_);
  }
  void replace(std::vector<uint8_t> bytes) {
    release();
    copy_ = std::move(bytes);
  }
  void release() {
    if (map_) munmap(const_cast<uint8_t*>(map_), size_);
    map_ = nullptr;
    copy_ = {};
  }
  ~ModuleBytes() { release(); }

 private:
  const uint8_t* map_ = nullptr;
  size_t size_ = 0;
  std::vector<uint8_t> copy_;
};

// How many descriptors the guest's fd table may hold: --max-fds, else `table_default`, but never
// more than RLIMIT_NOFILE leaves beside the worker's own descriptors (the broker socket on fd 3,
// anything the runtime holds; not stdio nor `table_fds`, which are table entries already).
// Every other table entry is one host descriptor, so the table is always full first: the guest
// gets EMFILE, and the limit is said and reported. Past the kernel's limit instead, a descriptor
// the broker sends would be dropped on receipt, and the guest would see EIO with no word why.
uint32_t guest_fd_limit(uint64_t max_fds, uint32_t table_default,
                        const std::vector<int>& table_fds) {
  uint64_t want = max_fds ? max_fds : table_default;
  struct rlimit r {};
  if (getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur == RLIM_INFINITY || r.rlim_cur > (1u << 20))
    return static_cast<uint32_t>(want);
  // Count the open descriptors with poll(), which marks each closed one POLLNVAL: one call per
  // 4096 descriptors instead of an fcntl each (20,000 of them at a high --max-fds, most of a
  // start's system time).
  uint64_t own = 0;
  const int limit = static_cast<int>(r.rlim_cur);
  std::vector<struct pollfd> chunk;
  for (int first = 3; first < limit; first += 4096) {
    chunk.clear();
    for (int fd = first; fd < std::min(limit, first + 4096); fd++) chunk.push_back({fd, 0, 0});
    if (poll(chunk.data(), chunk.size(), 0) < 0) return static_cast<uint32_t>(want);
    for (const struct pollfd& p : chunk)
      if (!(p.revents & POLLNVAL) &&
          std::find(table_fds.begin(), table_fds.end(), p.fd) == table_fds.end())
        own++;
  }
  uint64_t room = r.rlim_cur > own ? r.rlim_cur - own : 0;
  return static_cast<uint32_t>(std::min(want, room));
}

// Runs a WASI command (C, Rust, Go wasip1, ...) with every path and socket brokered.
wc::host::wasi::CommandResult run_wasi(wc::engine::Store& store,
                                       std::shared_ptr<const wc::engine::Module> module,
                                       const WorkerConfig& cfg, wc::ipc::IpcBrokerClient& broker,
                                       wc::supervisor::Bootstrap& boot, const std::string& name) {
  wc::host::wasi::WasiConfig wasi_cfg;
  wasi_cfg.args = cfg.args;
  wasi_cfg.env = cfg.env;
  wasi_cfg.broker = &broker;
  for (wc::ipc::UniqueFd& l : boot.listeners) wasi_cfg.listen_sockets.push_back(l.release());
  wasi_cfg.max_fds = guest_fd_limit(cfg.max_fds, wasi_cfg.max_fds, wasi_cfg.listen_sockets);
  wc::host::wasi::WasiContext wasi(std::move(wasi_cfg));
  // Only on_sigxcpu sets the store's interrupt flag here, and its signal goes to this thread
  // (the output forwarder blocks every signal): poll_oneoff need not wake to check it.
  wasi.set_interrupt_by_signal_only(true);
  wc::engine::Linker linker;
  wc::host::wasi::define_wasi(linker, store, wasi);
  std::string error;
  if (!wc::host::sockets::define_sockets(linker, store, wasi, *module, &error))
    die(1, name + ": " + error);
  return wc::host::wasi::run_command(store, linker, module);
}

// Decodes and validates a binary module; the bytes are released either way. Null with *error
// (without the module's name) when it is not a valid module.
std::shared_ptr<const wc::engine::Module> load_module(ModuleBytes& bytes, std::string* error) {
  auto decoded = wc::engine::decode_module(bytes.span());
  bytes.release();  // the decoded module owns copies of what it keeps
  if (!decoded) {
    *error = "not a valid WebAssembly module: " + decoded.error().message;
    return nullptr;
  }
  std::shared_ptr<const wc::engine::Module> module = decoded.value();
  if (auto invalid = wc::engine::validate_module(*module)) {
    *error = "invalid module: " + invalid->message;
    return nullptr;
  }
  return module;
}

// Step 3 of main(), also the end of a zygote's child: instantiates and runs the module over the
// broker on fd 3, and exits with the guest's status. A zygote's child passes the module's
// translation and memory image, made before the fork (engine/runtime/prepared_module.h).
[[noreturn]] void run_guest(const WorkerConfig& cfg, wc::supervisor::Bootstrap& boot,
                            std::shared_ptr<const wc::engine::Module> module,
                            std::unique_ptr<wc::engine::PreparedModule> prepared = nullptr) {
  const std::string& name = cfg.args[0];
  // 3. Run it over the broker: as a Go js/wasm program when it imports Go's host, else as WASI.
  wc::engine::StoreConfig store_cfg;
  store_cfg.engine = cfg.engine;
  if (cfg.memory_limit) store_cfg.max_memory_bytes = cfg.memory_limit;
  wc::engine::Store store(store_cfg);
  // Before the host functions below intern their types (adopt() needs a fresh store).
  if (prepared) store.adopt(std::move(prepared));
  g_interrupt = &store.interrupt_flag();
  if (g_cpu_exceeded) store.interrupt();
  wc::ipc::IpcBrokerClient& broker = worker_broker();
  if (cfg.memory_limit) {
    // Said once on the guest's stderr (the container's log under serve) and reported to the
    // broker, which makes it a limit event: a refused memory.grow is otherwise just a -1 the
    // guest may turn into a silent "out of memory".
    store.set_on_memory_refused([&broker, &store, limit = cfg.memory_limit](uint64_t asked) {
      static bool said = false;
      std::string what = std::to_string(asked) + " more bytes of linear memory refused with " +
                         std::to_string(store.committed_memory_bytes()) + " of --memory-limit " +
                         std::to_string(limit) + " in use";
      if (!said) {
        said = true;
        std::fprintf(stderr,
                     "webcontainerd: %s: memory.grow returns -1 (raise the limit with "
                     "--memory-limit)\n",
                     what.c_str());
        std::fflush(stderr);
      }
      broker.limit_reached(wc::host::WorkerLimit::kMemory, what);
    });
  }
  wc::host::wasi::CommandResult result;
  if (auto go_abi = wc::host::gojs::detect_go_abi(*module)) {
    // Go's js/wasm port: the JavaScript host it expects is emulated natively.
    wc::host::gojs::GoRunConfig go_cfg;
    go_cfg.args = cfg.args;
    go_cfg.env = cfg.env;
    go_cfg.broker = &broker;
    go_cfg.max_fds = guest_fd_limit(cfg.max_fds, go_cfg.max_fds, {});
    boot.listeners.clear();  // --tcplisten is a WASI convention; js/wasm has no fd for it
    result = wc::host::gojs::run_go_program(store, module, *go_abi, go_cfg);
  } else {
    result = run_wasi(store, module, cfg, broker, boot, name);
  }

  std::fflush(stdout);
  g_interrupt = nullptr;
  if (g_cpu_exceeded) {
    std::fprintf(stderr,
                 "webcontainerd: %s: CPU time limit of %llu s exceeded (--cpu-time): stopped\n",
                 name.c_str(), static_cast<unsigned long long>(cfg.cpu_seconds));
    std::fflush(stderr);
    g_output.finish();
    _exit(128 + SIGXCPU);
  }
  if (result.trap) {
    const wc::engine::Trap& t = *result.trap;
    std::string kind = trap_kind_name(t.kind);
    std::string text = name + ": wasm trap: " + t.message;
    if (t.message.find(kind) == std::string::npos) text += " (" + kind + ")";
    if (!t.backtrace.empty()) {
      text += "\nwasm backtrace:";
      for (size_t i = 0; i < t.backtrace.size(); ++i)
        text += "\n  " + std::to_string(i) + ": " + t.backtrace[i];
    }
    if (!result.error.empty() && result.error != t.message) text += "\n(" + result.error + ")";
    std::fprintf(stderr, "webcontainerd: %s\n", text.c_str());
  } else if (!result.error.empty()) {
    std::fprintf(stderr, "webcontainerd: %s: %s\n", name.c_str(), result.error.c_str());
  }
  wc::jit::print_exit_stats();  // WC_JIT_STATS=1 (a developer aid): _exit skips atexit
  std::fflush(stderr);
  g_output.finish();  // every byte of output is the broker's before the worker's end
#ifdef WC_PROFILE_DISPATCH
  std::exit(result.exit_code);  // developer builds: runs the dispatch profile's atexit report
#endif
  // No destructors, no atexit: the guest is done, and a confined process should leave fast.
  _exit(result.exit_code);
}

// A zygote's child, between the fork and the guest: takes over this container's broker socket
// (fd 3, in place of the zygote's control socket) and stdio, asks to die with the daemon (its
// parent, through CLONE_PARENT), lowers its limits to the container's, and stacks its own final
// seccomp filter (no fork, signals to itself only) before anything of the guest runs.
[[noreturn]] void become_container(WorkerConfig cfg, const wc::sandbox::SandboxConfig& sc,
                                   const std::string& missing, wc::supervisor::ForkRequest& req,
                                   pid_t daemon, std::shared_ptr<const wc::engine::Module> module,
                                   const std::string& load_error,
                                   std::unique_ptr<wc::engine::PreparedModule> prepared,
                                   std::optional<wc::sandbox::PrebuiltChildFilter>& child_filter) {
  if (dup2(req.broker_socket.get(), kWorkerIpcFd) < 0) _exit(125);
  req.broker_socket.reset();
  for (int fd = 0; fd < 3; fd++) {
    if (dup2(req.stdio[fd].get(), fd) < 0) _exit(125);
    req.stdio[fd].reset();
  }
  std::string error;
  if ((req.flags & wc::supervisor::kStdioFlagOutputToBroker) && !g_output.redirect(&error))
    die(125, "worker: " + error);
  // The fork cleared the zygote's PR_SET_PDEATHSIG; the daemon may have died in between.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != daemon)
    die(125, "worker: the daemon is gone");
  if (!wc::sandbox::lower_rlimits(req.cpu_seconds,
                                  req.max_fds ? req.max_fds : wc::sandbox::SandboxConfig{}.max_fds,
                                  &error))
    die(125, "worker: " + error);
  wc::sandbox::LayerStatus filter =
      child_filter ? wc::sandbox::load_prebuilt_child_filter(*child_filter, getpid())
                   : wc::sandbox::confine_forked_child(sc);
  if (!filter.active)
    die(125, "worker: the sandbox could not be set up (seccomp after the zygote's fork: " +
                 filter.detail + "); refusing to run the guest");
  start_output();  // after the filter: a thread started before it would not be under it
  if (!missing.empty())
    std::fprintf(stderr, "webcontainerd: warning: worker sandbox is partial, missing: %s\n",
                 missing.c_str());
  cfg.memory_limit = req.memory_limit;
  cfg.cpu_seconds = req.cpu_seconds;
  cfg.max_fds = req.max_fds;
  cfg.env = std::move(req.env);
  cfg.args = std::move(req.args);
  if (!module) die(1, cfg.args[0] + ": " + load_error);
  wc::supervisor::Bootstrap boot;
  boot.listeners = std::move(req.listeners);
  run_guest(cfg, boot, std::move(module), std::move(prepared));
}

// --zygote: the module arrives once (the bootstrap message), is decoded, validated and
// prepared (every function translated, the memory image made: engine/runtime/prepared_module.h)
// once, and every fork request (supervisor/fork_request.h) becomes a child that shares it
// copy-on-write. No guest code runs here: the start function and everything that calls the
// host run in each child, after the fork, with that container's args, env, stdio and preopens. The
// children are the daemon's (CLONE_PARENT): it reaps them and maps their exit statuses exactly as
// for any worker; the zygote never waits for anyone. It exits when the daemon closes the control
// socket.
[[noreturn]] void run_zygote(const WorkerConfig& cfg, const wc::sandbox::SandboxConfig& sc,
                             const std::string& missing, wc::ipc::Message first) {
  std::string error;
  auto boot = wc::supervisor::decode_bootstrap(std::move(first), &error);
  if (!boot) die(125, "zygote: " + error);
  if (!boot->listeners.empty()) die(125, "zygote: a bootstrap with sockets");
  // A module that does not load is still this zygote's module: each child reports the error to
  // its container, as a fresh worker would.
  std::string load_error;
  std::shared_ptr<const wc::engine::Module> module;
  {
    ModuleBytes bytes;
    if (bytes.load(boot->module_fd.get(), boot->module_size, &load_error))
      module = load_module(bytes, &load_error);
  }
  boot->module_fd.reset();
  std::unique_ptr<wc::engine::PreparedModule> prepared;
  if (module) prepared = wc::engine::prepare_module(module);
  // While no fork request waits, the zygote compiles its functions to machine code in slices
  // of kCompileSliceMs (a request waits at most one slice); children forked after that start
  // with compiled code shared read+exec with their siblings instead of each interpreting and
  // compiling alone (engine/runtime/prepared_module.h). WC_ZYGOTE_JIT=0 (an operator's knob,
  // for comparisons) leaves compiling to the children's tier-up.
  constexpr int kCompileSliceMs = 5;
  const char* zygote_jit = std::getenv("WC_ZYGOTE_JIT");
  bool compiling = prepared && cfg.engine != wc::jit::EngineMode::Interp &&
                   !(zygote_jit && std::string_view(zygote_jit) == "0");
  // The children's own seccomp filter, compiled once here; each child patches in its pid. If
  // libseccomp's program cannot be patched that way, each child compiles its own (as before).
  std::optional<wc::sandbox::PrebuiltChildFilter> child_filter =
      wc::sandbox::prebuild_child_filter(sc, &error);
  if (!child_filter)
    std::fprintf(stderr, "webcontainerd: zygote: children compile their own filter: %s\n",
                 error.c_str());
  const pid_t daemon = getppid();
  for (;;) {
    while (compiling) {
      struct pollfd pending = {kWorkerIpcFd, POLLIN, 0};
      if (poll(&pending, 1, 0) != 0) break;  // a request (or the daemon gone): serve it first
      compiling = !wc::engine::compile_prepared(
          *prepared, std::chrono::steady_clock::now() + std::chrono::milliseconds(kCompileSliceMs));
    }
    wc::ipc::Message m;
    int r;
    do r = wc::ipc::recv_message(kWorkerIpcFd, &m);
    while (r == -EINTR);
    if (r == 0) _exit(0);  // the daemon let this zygote go
    if (r < 0) die(125, std::string("zygote: ") + std::strerror(-r));
    std::optional<wc::supervisor::ForkRequest> req =
        wc::supervisor::decode_fork_request(std::move(m), &error);
    if (!req) die(125, "zygote: " + error);  // the daemon sees us gone and falls back
    int pidfd = -1;
    long pid =
        syscall(SYS_clone, CLONE_PARENT | CLONE_PIDFD | SIGCHLD, nullptr, &pidfd, nullptr, nullptr);
    if (pid == 0)
      become_container(cfg, sc, missing, *req, daemon, module, load_error, std::move(prepared),
                       child_filter);
    int32_t result = pid > 0 ? static_cast<int32_t>(pid) : -errno;
    wc::ipc::UniqueFd child(pid > 0 ? pidfd : -1);
    if (wc::ipc::send_message(kWorkerIpcFd,
                              wc::supervisor::encode_fork_reply(result, std::move(child))) != 0)
      _exit(0);  // the daemon is gone (the child dies with it: PR_SET_PDEATHSIG)
  }              // the request's fds close here: the child has its own copies
}
}  // namespace

int main(int argc, char** argv) {
  // One malloc arena for the worker's two threads (the guest's and the output forwarder's):
  // glibc would give the forwarder an arena of its own on its first allocation, 128 MiB of
  // address space mapped, trimmed and its first pages faulted in, in every container (a
  // zygote's child starts that thread anew each time). The forwarder allocates one buffer and
  // a message per write, so sharing the main arena's lock costs nothing measurable.
  mallopt(M_ARENA_MAX, 1);
  // A guest writing to a closed pipe gets EPIPE from fd_write, not a dead worker.
  signal(SIGPIPE, SIG_IGN);
  struct sigaction xcpu {};
  xcpu.sa_handler = on_sigxcpu;
  sigemptyset(&xcpu.sa_mask);
  xcpu.sa_flags = SA_RESTART;
  sigaction(SIGXCPU, &xcpu, nullptr);

  WorkerConfig cfg;
  std::string error;
  if (!parse_args(argc, argv, &cfg, &error))
    die(125, "worker: " + error + " (webcontainerc is started by webcontainerd, not by hand)");
  // Before anything is written to fds 1 and 2.
  if (cfg.output_ipc && !g_output.redirect(&error)) die(125, "worker: " + error);

  // The local time zone, loaded while the zone files are still reachable: Go js/wasm programs
  // ask for it through `new Date().getTimezoneOffset()` once confined. A JS host's zone is its
  // process's TZ, which under node is also the Go program's environment; so a TZ in the
  // guest's environment (set by the policy, not by the guest) picks the zone, else the
  // broker's own zone applies.
  for (const std::string& kv : cfg.env)
    if (kv.rfind("TZ=", 0) == 0) setenv("TZ", kv.c_str() + 3, 1);
  tzset();

  // 1. Confinement, before anything of the guest is touched.
  wc::sandbox::SandboxConfig sc;
  sc.keep_fds = {kWorkerIpcFd};
  // A worker started with --output-ipc has its output pipe already (redirected above): its
  // read end must survive confinement's closing of every other fd, or the forwarder reads a
  // closed fd and the guest's output stays in the pipe.
  if (g_output.read_fd() >= 0) sc.keep_fds.push_back(g_output.read_fd());
  sc.cpu_seconds = cfg.cpu_seconds;
  if (cfg.max_fds) sc.max_fds = cfg.max_fds;
  // A pooled worker confines itself with the pool's ceiling and lowers its limits to the
  // container's once it has one (step 2); nothing else in confine() depends on the container.
  sc.allow_lowering_rlimits = cfg.pooled || cfg.zygote;
  sc.zygote = cfg.zygote;
  // Only a worker asked to compile may map code read+exec; W+X stays refused either way.
  sc.allow_exec_memory = cfg.engine != wc::jit::EngineMode::Interp;
  wc::sandbox::ConfineResult confined = wc::sandbox::confine(sc);
  if (!confined.ok) {
    die(125, "worker: the sandbox could not be set up; refusing to run the guest\n" +
                 confined.report.to_string());
  }
  std::string missing;
  for (const auto& l : confined.report.layers)
    if (!l.active && !l.optional)
      missing += (missing.empty() ? "" : ", ") + l.name + " (" + l.detail + ")";
  if (!missing.empty() && !cfg.pooled && !cfg.zygote)  // said once the guest's stderr is there
    std::fprintf(stderr, "webcontainerd: warning: worker sandbox is partial, missing: %s\n",
                 missing.c_str());

  // Test-only: behave as a compromised worker would, now that the sandbox is up.
  if (const char* t = std::getenv("WC_TEST_ESCAPE"); t && std::string_view(t) == "1") {
    std::vector<wc::sandbox::EscapeAttempt> attempts = wc::sandbox::run_escape_attempts();
    std::string text = wc::sandbox::format_escape_attempts(attempts);
    size_t escaped = 0;
    for (const auto& a : attempts) escaped += a.escaped() ? 1 : 0;
    std::fprintf(stderr, "webcontainerc: WC_TEST_ESCAPE=1: %zu attempt(s), %zu succeeded\n%s",
                 attempts.size(), escaped, text.c_str());
    std::fflush(stderr);
    // Take the module the supervisor sends right after the spawn before leaving, or its send
    // may meet a closed socket (EPIPE) and fail the run on a fast machine.
    wc::ipc::Message ignored;
    while (wc::ipc::recv_message(kWorkerIpcFd, &ignored) == -EINTR) {
    }
    _exit(escaped == 0 ? 0 : 1);
  }

  // 2. The module, from the broker.
  wc::ipc::Message first;
  int r;
  do r = wc::ipc::recv_message(kWorkerIpcFd, &first);
  while (r == -EINTR);
  if (r != 1)
    die(125, "worker: no module from the broker (" +
                 std::string(r == 0 ? "socket closed" : std::strerror(-r)) + ")");
  if (cfg.zygote) run_zygote(cfg, sc, missing, std::move(first));
  std::optional<wc::supervisor::Bootstrap> boot;
  if (cfg.pooled) {
    // The container: its stdio onto 0-2, its limits (only ever lower than the pool's), its argv.
    auto a = wc::supervisor::decode_assignment(std::move(first), &error);
    if (!a) die(125, "worker: " + error);
    for (int fd = 0; fd < 3; fd++)
      if (dup2(a->stdio[fd].get(), fd) < 0)
        die(125, std::string("worker: dup2: ") + std::strerror(errno));
    for (auto& fd : a->stdio) fd.reset();
    if ((a->flags & wc::supervisor::kStdioFlagOutputToBroker) && !g_output.redirect(&error))
      die(125, "worker: " + error);
    start_output();
    if (!wc::sandbox::lower_rlimits(
            a->cpu_seconds, a->max_fds ? a->max_fds : wc::sandbox::SandboxConfig{}.max_fds, &error))
      die(125, "worker: " + error);
    cfg.memory_limit = a->memory_limit;
    cfg.cpu_seconds = a->cpu_seconds;
    cfg.max_fds = a->max_fds;
    cfg.env = std::move(a->env);
    cfg.args = std::move(a->args);
    boot = std::move(a->boot);
    if (!missing.empty())
      std::fprintf(stderr, "webcontainerd: warning: worker sandbox is partial, missing: %s\n",
                   missing.c_str());
  } else {
    boot = wc::supervisor::decode_bootstrap(std::move(first), &error);
    if (!boot) die(125, "worker: " + error);
    start_output();
  }
  ModuleBytes bytes;
  if (!bytes.load(boot->module_fd.get(), boot->module_size, &error))
    die(1, cfg.args[0] + ": " + error);
  boot->module_fd.reset();

  const std::string& name = cfg.args[0];
  // A text module (see is_text_module) is parsed here, inside the sandbox, not by the broker.
  if (wc::engine::text::is_text_module(name, bytes.span())) {
    auto encoded = wc::engine::text::wat_to_wasm(
        std::string_view(reinterpret_cast<const char*>(bytes.span().data()), bytes.span().size()));
    if (!encoded) die(1, wc::engine::text::file_error(name, encoded.error().message));
    bytes.replace(std::move(*encoded));
  }
  std::shared_ptr<const wc::engine::Module> module = load_module(bytes, &error);
  if (!module) die(1, name + ": " + error);
  run_guest(cfg, *boot, std::move(module));
}
