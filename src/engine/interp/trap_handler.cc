#include "engine/interp/trap_handler.h"

#include <signal.h>
#include <ucontext.h>

#include <cstdint>
#include <cstring>
#include <mutex>

#include "engine/interp/interpreter.h"

namespace wc::engine {
namespace {

thread_local TrapScope* t_scope = nullptr;
thread_local Instance* t_instance = nullptr;

struct sigaction g_previous_segv;
struct sigaction g_previous_bus;

bool in_guard_region(const void* addr) {
  const Instance* inst = t_instance;
  if (!inst || !inst->mem0_base) return false;
  auto a = reinterpret_cast<uintptr_t>(addr);
  auto lo = reinterpret_cast<uintptr_t>(inst->mem0_base);
  return a >= lo && a - lo < LinearMemory::kReservation;
}

void on_fault(int sig, siginfo_t* info, void* context) {
  // Only a fault raised by the CPU (si_code > 0) has a meaningful address; a SIGSEGV sent with
  // kill() is never a guest access.
  bool from_cpu = info->si_code > 0;
  if (from_cpu && t_scope && in_guard_region(info->si_addr)) {
#if defined(__x86_64__)
    const auto* uc = static_cast<const ucontext_t*>(context);
    t_scope->fault_pc = static_cast<uint64_t>(uc->uc_mcontext.gregs[REG_RIP]);
    t_scope->fault_r15 = static_cast<uint64_t>(uc->uc_mcontext.gregs[REG_R15]);
#endif
    siglongjmp(t_scope->buf, 1);
  }
  // Not a guest access: hand over to whoever was there before (or the default action).
  const struct sigaction& prev = sig == SIGSEGV ? g_previous_segv : g_previous_bus;
  if (prev.sa_flags & SA_SIGINFO) {
    if (prev.sa_sigaction) return prev.sa_sigaction(sig, info, context);
  } else if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN && prev.sa_handler) {
    return prev.sa_handler(sig);
  }
  signal(sig, SIG_DFL);
  // A CPU fault re-executes the access on return and now kills the process; a sent signal
  // has to be raised again.
  if (!from_cpu) raise(sig);
}

}  // namespace

void install_trap_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    // SA_NODEFER: we leave the handler by longjmp, so the signal must not stay blocked.
    sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &g_previous_segv);
    sigaction(SIGBUS, &sa, &g_previous_bus);
  });
}

void trap_scope_push(TrapScope& scope) {
  scope.prev = t_scope;
  scope.prev_instance = t_instance;
  t_scope = &scope;
}

void trap_scope_pop(TrapScope& scope) {
  t_scope = scope.prev;
  t_instance = scope.prev_instance;
}

void set_trap_instance(Instance* instance) { t_instance = instance; }

}  // namespace wc::engine
