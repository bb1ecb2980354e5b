// What a container start would cost if a zygote per module did the module's work once and
// forked one child per container (bench/RESULTS.md, "Where a serve start's CPU goes"; the
// zygote proposed there). No sandbox, no daemon: only the engine and fork, so these are
// floors for the three shapes, on this host, for one module:
//   instantiated  the zygote decoded, validated and instantiated (slot translation, memory
//                 image, WASI imports); the child only calls _start on its copy-on-write copy
//   prepared      the zygote holds the decoded module and its PreparedModule (every function
//                 translated, the memory image; today's `serve --zygote`): the child adopts
//                 it into a fresh store, binds WASI with its own config, instantiates, runs
//   decoded       the zygote holds the decoded, validated module; the child instantiates
//                 (translates) and runs
//   per child     the child decodes, validates, instantiates and runs (today's worker, minus
//                 exec and confinement)
// CPU = parent + reaped children (getrusage), per start, averaged over N starts; the guest's
// stdout goes to /dev/null and every child must exit 0.
//
//   zygote-floor MODULE.wasm [N]        (default N: 300)
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <variant>
#include <vector>

#include "engine/binary/decoder.h"
#include "engine/runtime/linker.h"
#include "engine/runtime/prepared_module.h"
#include "engine/runtime/store.h"
#include "engine/runtime/trap.h"
#include "engine/validate/validator.h"
#include "host/wasi/wasi.h"

namespace {

using wc::engine::Module;

double cpu_ms() {
  rusage self{}, kids{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &kids);
  auto ms = [](const timeval& t) { return t.tv_sec * 1e3 + t.tv_usec / 1e3; };
  return ms(self.ru_utime) + ms(self.ru_stime) + ms(kids.ru_utime) + ms(kids.ru_stime);
}

double wall_ms() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "zygote-floor: %s\n", what);
  std::exit(1);
}

std::shared_ptr<const Module> load(const std::vector<uint8_t>& bytes) {
  auto decoded = wc::engine::decode_module(bytes);
  if (!decoded) die("not a valid module");
  std::shared_ptr<const Module> module = decoded.value();
  if (wc::engine::validate_module(*module)) die("invalid module");
  return module;
}

int exit_code(const wc::engine::InvokeResult& r) {
  if (!r.trap) return 0;
  return r.trap->kind == wc::engine::TrapKind::Exit ? r.trap->exit_code : 134;
}

// A WASI command on its own store (which first adopts `prepared`, if given).
int run_command(std::shared_ptr<const Module> module, int out,
                std::unique_ptr<wc::engine::PreparedModule> prepared = nullptr) {
  wc::engine::Store store;
  if (prepared && !store.adopt(std::move(prepared))) die("adopt refused");
  wc::host::wasi::WasiConfig cfg;
  cfg.args = {"module.wasm"};
  cfg.stdout_fd = out;
  wc::host::wasi::WasiContext wasi(std::move(cfg));
  wc::engine::Linker linker;
  wc::host::wasi::define_wasi(linker, store, wasi);
  return wc::host::wasi::run_command(store, linker, std::move(module)).exit_code;
}

// Forks `n` children running `child` and reports CPU and wall per start.
template <typename Child>
void measure(const char* shape, int n, Child child) {
  double c0 = cpu_ms(), w0 = wall_ms();
  for (int i = 0; i < n; i++) {
    pid_t pid = fork();
    if (pid < 0) die("fork failed");
    if (pid == 0) _exit(child());
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
      die("a child failed (the module must exit 0)");
  }
  std::printf("%-13s %.3f ms CPU, %.3f ms wall per start\n", shape, (cpu_ms() - c0) / n,
              (wall_ms() - w0) / n);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) die("usage: zygote-floor MODULE.wasm [N]");
  int n = argc == 3 ? std::atoi(argv[2]) : 300;
  if (n <= 0) die("N must be positive");
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) die("cannot read the module");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  int out = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (out < 0) die("cannot open /dev/null");
  std::shared_ptr<const Module> module = load(bytes);

  {  // The zygote's own instance: translated code and memory image ready, _start not run.
    wc::engine::Store store;
    wc::host::wasi::WasiConfig cfg;
    cfg.args = {"module.wasm"};
    cfg.stdout_fd = out;
    wc::host::wasi::WasiContext wasi(std::move(cfg));
    wc::engine::Linker linker;
    wc::host::wasi::define_wasi(linker, store, wasi);
    auto inst = linker.instantiate(store, module);
    auto* instance = std::get_if<wc::engine::Instance*>(&inst);
    if (!instance) die("instantiation failed");
    wc::engine::FuncInstance* start = (*instance)->get_func("_start");
    if (!start) die("no _start export");
    measure("instantiated", n, [&] { return exit_code(store.invoke(start, {})); });
  }
  {
    std::unique_ptr<wc::engine::PreparedModule> prepared = wc::engine::prepare_module(module);
    if (!prepared) die("prepare_module failed");
    measure("prepared", n, [&] { return run_command(module, out, std::move(prepared)); });
  }
  measure("decoded", n, [&] { return run_command(module, out); });
  measure("per child", n, [&] { return run_command(load(bytes), out); });
  return 0;
}
