#include "engine/interp/dump.h"

#include <cstring>
#include <map>

#include "engine/interp/iops.h"

namespace wc::engine {
void dump_compiled(const CompiledFunction& f, std::FILE* out) {
  std::map<const void*, IOp> by_handler;
  const void* const* handlers = iop_handlers();
  for (uint16_t i = 0; i < static_cast<uint16_t>(IOp::Count); ++i)
    by_handler.emplace(handlers[i], static_cast<IOp>(i));
  std::fprintf(out, "  params %u, locals %u, constants %zu, frame %u slots\n", f.num_params,
               f.num_locals, f.constants.size(), f.frame_slots);
  size_t pc = 0;
  while (pc + 2 <= f.code.size()) {
    const void* h;
    std::memcpy(&h, &f.code[pc], sizeof h);
    auto it = by_handler.find(h);
    if (it == by_handler.end()) {
      std::fprintf(out, "  %5zu: ???\n", pc);
      return;
    }
    IOp op = it->second;
    uint32_t words = iop_operand_words(op);
    if (op == IOp::BrTable) words += f.code[pc + 3] + 1;
    std::fprintf(out, "  %5zu: %-14s", pc, iop_name(op));
    for (uint32_t k = 0; k < words && pc + 2 + k < f.code.size(); ++k)
      std::fprintf(out, " %d", static_cast<int32_t>(f.code[pc + 2 + k]));
    std::fprintf(out, "\n");
    pc += 2 + words;
  }
}

}  // namespace wc::engine
