// args_*, environ_*, clock_*, random_get, sched_yield, proc_raise.
#include <sched.h>
#include <sys/random.h>

#include <cerrno>

#include "host/wasi/errno_map.h"
#include "host/wasi/internal.h"
#include "host/wasi/wasi.h"
#include "host/wasi/wasi_abi.h"

namespace wc::host::wasi {
namespace {

// Lays out NUL-terminated strings in `buf` and their addresses in `ptrs`; checks both ranges
// whole before writing anything, so a bad pointer leaves guest memory untouched.
uint16_t put_strings(GuestMemory& m, const std::vector<std::string>& strs, uint32_t ptrs,
                     uint32_t buf) {
  uint64_t total = 0;
  for (const auto& s : strs) total += s.size() + 1;
  if (!m.in_bounds(ptrs, uint64_t{strs.size()} * 4) || !m.in_bounds(buf, total)) return err::kFault;
  uint64_t at = buf;
  for (size_t i = 0; i < strs.size(); ++i) {
    m.store<uint32_t>(ptrs + i * 4, static_cast<uint32_t>(at));
    std::memcpy(m.range(at, strs[i].size() + 1), strs[i].c_str(), strs[i].size() + 1);
    at += strs[i].size() + 1;
  }
  return err::kSuccess;
}

uint16_t put_sizes(GuestMemory& m, const std::vector<std::string>& strs, uint32_t count_out,
                   uint32_t size_out) {
  uint64_t total = 0;
  for (const auto& s : strs) total += s.size() + 1;
  if (total > UINT32_MAX) return err::kOverflow;
  if (!m.in_bounds(count_out, 4) || !m.in_bounds(size_out, 4)) return err::kFault;
  m.store<uint32_t>(count_out, static_cast<uint32_t>(strs.size()));
  m.store<uint32_t>(size_out, static_cast<uint32_t>(total));
  return err::kSuccess;
}

}  // namespace

uint16_t WasiContext::args_get(M& m, uint32_t argv, uint32_t argv_buf) {
  return put_strings(m, config_.args, argv, argv_buf);
}
uint16_t WasiContext::args_sizes_get(M& m, uint32_t argc_out, uint32_t size_out) {
  return put_sizes(m, config_.args, argc_out, size_out);
}
uint16_t WasiContext::environ_get(M& m, uint32_t environ, uint32_t environ_buf) {
  return put_strings(m, config_.env, environ, environ_buf);
}
uint16_t WasiContext::environ_sizes_get(M& m, uint32_t count_out, uint32_t size_out) {
  return put_sizes(m, config_.env, count_out, size_out);
}

uint16_t WasiContext::clock_res_get(M& m, uint32_t id, uint32_t res_out) {
  clockid_t clock;
  if (!linux_clock(id, &clock)) return err::kInval;
  if (!m.in_bounds(res_out, 8)) return err::kFault;
  struct timespec ts {};
  if (clock_getres(clock, &ts) != 0) return errno_now();
  m.store<uint64_t>(res_out, static_cast<uint64_t>(ts.tv_sec) * 1000000000ull +
                                 static_cast<uint64_t>(ts.tv_nsec));
  return err::kSuccess;
}

uint16_t WasiContext::clock_time_get(M& m, uint32_t id, uint64_t, uint32_t time_out) {
  clockid_t clock;
  if (!linux_clock(id, &clock)) return err::kInval;
  if (!m.in_bounds(time_out, 8)) return err::kFault;
  struct timespec ts {};
  if (clock_gettime(clock, &ts) != 0) return errno_now();
  m.store<uint64_t>(time_out, static_cast<uint64_t>(ts.tv_sec) * 1000000000ull +
                                  static_cast<uint64_t>(ts.tv_nsec));
  return err::kSuccess;
}

uint16_t WasiContext::random_get(M& m, uint32_t buf, uint32_t len) {
  uint8_t* p = m.range(buf, len);
  if (!p) return err::kFault;
  // getrandom returns at most 32 MiB per call and may be interrupted: loop.
  for (uint32_t done = 0; done < len;) {
    ssize_t n = getrandom(p + done, len - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_now();
    }
    done += static_cast<uint32_t>(n);
  }
  return err::kSuccess;
}

uint16_t WasiContext::sched_yield() {
  ::sched_yield();
  return err::kSuccess;
}

// Signals are not part of our model (and proc_raise left the spec): like wasmtime, refuse.
uint16_t WasiContext::proc_raise(uint32_t) { return err::kNosys; }

}  // namespace wc::host::wasi
