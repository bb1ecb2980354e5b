#include "import_stubs.h"

namespace wc::jitdiff {

using namespace engine;

Result<std::vector<ExternVal>> make_import_stubs(Store& store, const Module& module, CallLog& log) {
  std::vector<ExternVal> out;
  for (uint32_t i = 0; i < module.imports.size(); ++i) {
    const Import& imp = module.imports[i];
    switch (imp.kind) {
      case ExternKind::Func: {
        FuncType type = module.types[imp.func_type];
        HostFn fn = [&log, i, type](HostCall&, uint64_t* slots) {
          if (log.entries.size() >= CallLog::kMaxEntries) {
            ++log.dropped;
          } else {
            LogEntry e{i, {}};
            size_t s = 0;
            for (ValType t : type.params) {
              Value v{t, slots[s++]};
              if (t == ValType::V128) v.hi = slots[s++];
              e.args.push_back(v);
            }
            log.entries.push_back(std::move(e));
          }
          size_t s = 0;
          for (ValType t : type.results) {
            slots[s++] = 0;
            if (t == ValType::V128) slots[s++] = 0;
          }
        };
        out.push_back(ExternVal::of(
            store.create_host_func(std::move(type), std::move(fn), imp.module + "." + imp.name)));
        break;
      }
      case ExternKind::Table: out.push_back(ExternVal::of(store.create_table(imp.table))); break;
      case ExternKind::Memory: {
        auto mem = store.create_memory(imp.memory);
        if (!mem)
          return Error{"import " + imp.module + "." + imp.name + ": " + mem.error().message};
        out.push_back(ExternVal::of(*mem));
        break;
      }
      case ExternKind::Global:
        out.push_back(ExternVal::of(store.create_global(imp.global, Value::zero(imp.global.type))));
        break;
    }
  }
  return out;
}

}  // namespace wc::jitdiff
