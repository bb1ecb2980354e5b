#include "engine/jit/executable_memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <mutex>

#include "engine/jit/native_code.h"

namespace wc::jit {
namespace {

// Every live CodeRegion, by start address (value: its end), for in_compiled_code().
std::mutex g_regions_mutex;
std::map<uintptr_t, uintptr_t>& regions() {
  static auto* m = new std::map<uintptr_t, uintptr_t>;  // never destroyed: regions may outlive
  return *m;                                            // static destructors
}

}  // namespace

bool in_compiled_code(uintptr_t pc) {
  std::lock_guard<std::mutex> lock(g_regions_mutex);
  auto it = regions().upper_bound(pc);
  if (it == regions().begin()) return false;
  --it;
  return pc < it->second;
}

CodeRegion::CodeRegion(uint8_t* base, size_t mapped) : base_(base), mapped_(mapped) {
  const auto b = reinterpret_cast<uintptr_t>(base);
  std::lock_guard<std::mutex> lock(g_regions_mutex);
  regions()[b] = b + mapped;
}

CodeRegion::~CodeRegion() {
  {
    std::lock_guard<std::mutex> lock(g_regions_mutex);
    regions().erase(reinterpret_cast<uintptr_t>(base_));
  }
  unmap_executable(base_, mapped_);
}

uint8_t* map_executable(const uint8_t* code, size_t size, size_t* mapped) {
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  size_t len = (size + page - 1) / page * page;
  if (len == 0) return nullptr;
  void* p = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  std::memcpy(p, code, size);
  if (mprotect(p, len, PROT_READ | PROT_EXEC) != 0) {
    munmap(p, len);
    return nullptr;
  }
  *mapped = len;
  return static_cast<uint8_t*>(p);
}

void unmap_executable(uint8_t* base, size_t mapped) {
  if (base) munmap(base, mapped);
}

std::shared_ptr<const CodeRegion> CodeRegion::map(const std::vector<uint8_t>& bytes) {
  size_t mapped = 0;
  uint8_t* base = map_executable(bytes.data(), bytes.size(), &mapped);
  if (!base) return nullptr;
  return std::shared_ptr<const CodeRegion>(new CodeRegion(base, mapped));
}

NativeCode::NativeCode(std::shared_ptr<const CodeRegion> region, size_t offset, size_t size,
                       std::vector<uint32_t> entries, uint32_t function_entry, uint32_t lazy_from)
    : region_(std::move(region)),
      base_(region_->base() + offset),
      size_(size),
      entries_(std::move(entries)),
      function_entry_(function_entry),
      lazy_from_(lazy_from) {}

NativeCode::~NativeCode() = default;

}  // namespace wc::jit
