#include "engine/runtime/linear_memory.h"

#include <sys/mman.h>

#include <algorithm>

#include "engine/types.h"

namespace wc::engine {

LinearMemory::~LinearMemory() {
  if (base_) munmap(base_, kReservation);
}

bool LinearMemory::init(uint32_t initial_pages, std::optional<uint32_t> max_pages) {
  if (base_ || initial_pages > kMaxPages) return false;
  if (max_pages && initial_pages > *max_pages) return false;
  // NORESERVE: the 8 GiB of index space must not count against overcommit; only the pages
  // made accessible below are ever touched.
  void* p =
      mmap(nullptr, kReservation, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return false;
  base_ = static_cast<uint8_t*>(p);
  max_pages_ = max_pages;
  if (initial_pages &&
      mprotect(base_, uint64_t{initial_pages} * kPageSize, PROT_READ | PROT_WRITE)) {
    munmap(base_, kReservation);
    base_ = nullptr;
    return false;
  }
  pages_ = initial_pages;
  return true;
}

std::optional<uint32_t> LinearMemory::grow(uint32_t delta) {
  if (!base_) return std::nullopt;
  uint32_t old = pages_;
  uint64_t limit = std::min<uint64_t>(max_pages_.value_or(kMaxPages), kMaxPages);
  uint64_t next = uint64_t{old} + delta;
  if (next > limit) return std::nullopt;
  if (delta == 0) return old;
  // Fresh anonymous pages read as zero, which is exactly what memory.grow must provide.
  if (mprotect(base_ + size_bytes(), uint64_t{delta} * kPageSize, PROT_READ | PROT_WRITE))
    return std::nullopt;
  pages_ = static_cast<uint32_t>(next);
  return old;
}

}  // namespace wc::engine
