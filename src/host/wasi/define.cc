// Binds WasiContext's members to wasi_snapshot_preview1 imports, and runs commands.
#include <variant>

#include "host/wasi/wasi.h"

namespace wc::host::wasi {

using engine::ExternVal;
using engine::FuncType;
using engine::HostCall;
using engine::ValType;

namespace {

// The caller's memory 0, or an empty memory (every pointer EFAULT) when there is none.
GuestMemory caller_memory(HostCall& call) {
  engine::Instance* inst = call.caller();
  engine::MemoryInstance* mem = inst ? inst->memory0() : nullptr;
  if (!mem) return {};
  return {mem->memory.base(), mem->memory.size_bytes()};
}

// `sig` lists the parameters: 'i' = i32, 'I' = i64. Every function returns an errno (i32)
// except proc_exit.
template <typename F>
void def(engine::Linker& linker, engine::Store& store, const char* name, const char* sig, F f) {
  FuncType type;
  for (const char* c = sig; *c; ++c) type.params.push_back(*c == 'I' ? ValType::I64 : ValType::I32);
  type.results.push_back(ValType::I32);
  engine::HostFn fn = [f](HostCall& call, uint64_t* s) {
    GuestMemory m = caller_memory(call);
    s[0] = f(m, s);
  };
  linker.define("wasi_snapshot_preview1", name,
                ExternVal::of(store.create_host_func(std::move(type), std::move(fn), name)));
}

inline uint32_t u32(uint64_t slot) { return static_cast<uint32_t>(slot); }

}  // namespace

void define_wasi(engine::Linker& l, engine::Store& st, WasiContext& c) {
  WasiContext* x = &c;
  using S = const uint64_t*;
  def(l, st, "args_get", "ii",
      [x](GuestMemory& m, S a) { return x->args_get(m, u32(a[0]), u32(a[1])); });
  def(l, st, "args_sizes_get", "ii",
      [x](GuestMemory& m, S a) { return x->args_sizes_get(m, u32(a[0]), u32(a[1])); });
  def(l, st, "environ_get", "ii",
      [x](GuestMemory& m, S a) { return x->environ_get(m, u32(a[0]), u32(a[1])); });
  def(l, st, "environ_sizes_get", "ii",
      [x](GuestMemory& m, S a) { return x->environ_sizes_get(m, u32(a[0]), u32(a[1])); });
  def(l, st, "clock_res_get", "ii",
      [x](GuestMemory& m, S a) { return x->clock_res_get(m, u32(a[0]), u32(a[1])); });
  def(l, st, "clock_time_get", "iIi",
      [x](GuestMemory& m, S a) { return x->clock_time_get(m, u32(a[0]), a[1], u32(a[2])); });
  def(l, st, "fd_advise", "iIIi",
      [x](GuestMemory&, S a) { return x->fd_advise(u32(a[0]), a[1], a[2], u32(a[3])); });
  def(l, st, "fd_allocate", "iII",
      [x](GuestMemory&, S a) { return x->fd_allocate(u32(a[0]), a[1], a[2]); });
  def(l, st, "fd_close", "i", [x](GuestMemory&, S a) { return x->fd_close(u32(a[0])); });
  def(l, st, "fd_datasync", "i", [x](GuestMemory&, S a) { return x->fd_datasync(u32(a[0])); });
  def(l, st, "fd_fdstat_get", "ii",
      [x](GuestMemory& m, S a) { return x->fd_fdstat_get(m, u32(a[0]), u32(a[1])); });
  def(l, st, "fd_fdstat_set_flags", "ii",
      [x](GuestMemory&, S a) { return x->fd_fdstat_set_flags(u32(a[0]), u32(a[1])); });
  def(l, st, "fd_fdstat_set_rights", "iII",
      [x](GuestMemory&, S a) { return x->fd_fdstat_set_rights(u32(a[0]), a[1], a[2]); });
  def(l, st, "fd_filestat_get", "ii",
      [x](GuestMemory& m, S a) { return x->fd_filestat_get(m, u32(a[0]), u32(a[1])); });
  def(l, st, "fd_filestat_set_size", "iI",
      [x](GuestMemory&, S a) { return x->fd_filestat_set_size(u32(a[0]), a[1]); });
  def(l, st, "fd_filestat_set_times", "iIIi", [x](GuestMemory&, S a) {
    return x->fd_filestat_set_times(u32(a[0]), a[1], a[2], u32(a[3]));
  });
  def(l, st, "fd_pread", "iiiIi", [x](GuestMemory& m, S a) {
    return x->fd_pread(m, u32(a[0]), u32(a[1]), u32(a[2]), a[3], u32(a[4]));
  });
  def(l, st, "fd_prestat_get", "ii",
      [x](GuestMemory& m, S a) { return x->fd_prestat_get(m, u32(a[0]), u32(a[1])); });
  def(l, st, "fd_prestat_dir_name", "iii", [x](GuestMemory& m, S a) {
    return x->fd_prestat_dir_name(m, u32(a[0]), u32(a[1]), u32(a[2]));
  });
  def(l, st, "fd_pwrite", "iiiIi", [x](GuestMemory& m, S a) {
    return x->fd_pwrite(m, u32(a[0]), u32(a[1]), u32(a[2]), a[3], u32(a[4]));
  });
  def(l, st, "fd_read", "iiii", [x](GuestMemory& m, S a) {
    return x->fd_read(m, u32(a[0]), u32(a[1]), u32(a[2]), u32(a[3]));
  });
  def(l, st, "fd_readdir", "iiiIi", [x](GuestMemory& m, S a) {
    return x->fd_readdir(m, u32(a[0]), u32(a[1]), u32(a[2]), a[3], u32(a[4]));
  });
  def(l, st, "fd_renumber", "ii",
      [x](GuestMemory&, S a) { return x->fd_renumber(u32(a[0]), u32(a[1])); });
  def(l, st, "fd_seek", "iIii", [x](GuestMemory& m, S a) {
    return x->fd_seek(m, u32(a[0]), static_cast<int64_t>(a[1]), u32(a[2]), u32(a[3]));
  });
  def(l, st, "fd_sync", "i", [x](GuestMemory&, S a) { return x->fd_sync(u32(a[0])); });
  def(l, st, "fd_tell", "ii",
      [x](GuestMemory& m, S a) { return x->fd_tell(m, u32(a[0]), u32(a[1])); });
  def(l, st, "fd_write", "iiii", [x](GuestMemory& m, S a) {
    return x->fd_write(m, u32(a[0]), u32(a[1]), u32(a[2]), u32(a[3]));
  });
  def(l, st, "path_create_directory", "iii", [x](GuestMemory& m, S a) {
    return x->path_create_directory(m, u32(a[0]), u32(a[1]), u32(a[2]));
  });
  def(l, st, "path_filestat_get", "iiiii", [x](GuestMemory& m, S a) {
    return x->path_filestat_get(m, u32(a[0]), u32(a[1]), u32(a[2]), u32(a[3]), u32(a[4]));
  });
  def(l, st, "path_filestat_set_times", "iiiiIIi", [x](GuestMemory& m, S a) {
    return x->path_filestat_set_times(m, u32(a[0]), u32(a[1]), u32(a[2]), u32(a[3]), a[4], a[5],
                                      u32(a[6]));
  });
  def(l, st, "path_link", "iiiiiii", [x](GuestMemory& m, S a) {
    return x->path_link(m, u32(a[0]), u32(a[1]), u32(a[2]), u32(a[3]), u32(a[4]), u32(a[5]),
                        u32(a[6]));
  });
  def(l, st, "path_open", "iiiiiIIii", [x](GuestMemory& m, S a) {
    return x->path_open(m, u32(a[0]), u32(a[1]), u32(a[2]), u32(a[3]), u32(a[4]), a[5], a[6],
                        u32(a[7]), u32(a[8]));
  });
  def(l, st, "path_readlink", "iiiiii", [x](GuestMemory& m, S a) {
    return x->path_readlink(m, u32(a[0]), u32(a[1]), u32(a[2]), u32(a[3]), u32(a[4]), u32(a[5]));
  });
  def(l, st, "path_remove_directory", "iii", [x](GuestMemory& m, S a) {
    return x->path_remove_directory(m, u32(a[0]), u32(a[1]), u32(a[2]));
  });
  def(l, st, "path_rename", "iiiiii", [x](GuestMemory& m, S a) {
    return x->path_rename(m, u32(a[0]), u32(a[1]), u32(a[2]), u32(a[3]), u32(a[4]), u32(a[5]));
  });
  def(l, st, "path_symlink", "iiiii", [x](GuestMemory& m, S a) {
    return x->path_symlink(m, u32(a[0]), u32(a[1]), u32(a[2]), u32(a[3]), u32(a[4]));
  });
  def(l, st, "path_unlink_file", "iii",
      [x](GuestMemory& m, S a) { return x->path_unlink_file(m, u32(a[0]), u32(a[1]), u32(a[2])); });
  def(l, st, "poll_oneoff", "iiii", [x](GuestMemory& m, S a) {
    return x->poll_oneoff(m, u32(a[0]), u32(a[1]), u32(a[2]), u32(a[3]));
  });
  def(l, st, "proc_raise", "i", [x](GuestMemory&, S a) { return x->proc_raise(u32(a[0])); });
  def(l, st, "sched_yield", "", [x](GuestMemory&, S) { return x->sched_yield(); });
  def(l, st, "random_get", "ii",
      [x](GuestMemory& m, S a) { return x->random_get(m, u32(a[0]), u32(a[1])); });
  def(l, st, "sock_accept", "iii",
      [x](GuestMemory& m, S a) { return x->sock_accept(m, u32(a[0]), u32(a[1]), u32(a[2])); });
  def(l, st, "sock_recv", "iiiiii", [x](GuestMemory& m, S a) {
    return x->sock_recv(m, u32(a[0]), u32(a[1]), u32(a[2]), u32(a[3]), u32(a[4]), u32(a[5]));
  });
  def(l, st, "sock_send", "iiiii", [x](GuestMemory& m, S a) {
    return x->sock_send(m, u32(a[0]), u32(a[1]), u32(a[2]), u32(a[3]), u32(a[4]));
  });
  def(l, st, "sock_shutdown", "ii",
      [x](GuestMemory&, S a) { return x->sock_shutdown(u32(a[0]), u32(a[1])); });

  // proc_exit returns nothing: it ends the guest with TrapKind::Exit.
  FuncType exit_type{{ValType::I32}, {}};
  l.define("wasi_snapshot_preview1", "proc_exit",
           ExternVal::of(st.create_host_func(
               std::move(exit_type),
               [](HostCall& call, uint64_t* s) {
                 call.exit(static_cast<int>(static_cast<uint32_t>(s[0])));
               },
               "proc_exit")));
}

CommandResult run_command(engine::Store& store, const engine::Linker& linker,
                          std::shared_ptr<const engine::Module> module) {
  CommandResult result;
  auto inst = linker.instantiate(store, std::move(module));
  if (auto* e = std::get_if<engine::InstantiateError>(&inst)) {
    if (e->trap && e->trap->kind == engine::TrapKind::Exit) {  // proc_exit in a start function
      result.exit_code = e->trap->exit_code;
      return result;
    }
    result.exit_code = e->trap ? 134 : 1;
    result.trap = e->trap;
    result.error = e->message;
    return result;
  }
  engine::FuncInstance* start = std::get<engine::Instance*>(inst)->get_func("_start");
  if (!start) {
    result.exit_code = 1;
    result.error = "the module exports no _start function (not a WASI command)";
    return result;
  }
  engine::InvokeResult r = store.invoke(start, {});
  if (r.trap) {
    if (r.trap->kind == engine::TrapKind::Exit) {
      result.exit_code = r.trap->exit_code;
    } else {
      result.exit_code = 134;
      result.trap = std::move(r.trap);
    }
  }
  return result;
}

}  // namespace wc::host::wasi
