// A 32-bit linear memory inside a guard-page reservation: the full 4 GiB index range plus the
// largest static offset (another 4 GiB) is reserved PROT_NONE up front and committed on grow,
// so an out-of-bounds access always lands in inaccessible pages and faults (see trap_handler).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace wc::engine {

class LinearMemory {
 public:
  LinearMemory() = default;
  ~LinearMemory();
  LinearMemory(const LinearMemory&) = delete;
  LinearMemory& operator=(const LinearMemory&) = delete;

  // Reserves the guard region and commits `initial_pages`. False if the kernel refuses.
  bool init(uint32_t initial_pages, std::optional<uint32_t> max_pages);

  uint8_t* base() const { return base_; }
  uint32_t pages() const { return pages_; }
  uint64_t size_bytes() const { return uint64_t{pages_} * 65536; }
  std::optional<uint32_t> max_pages() const { return max_pages_; }

  // Commits `delta` more pages; returns the old page count, or nullopt (memory.grow's -1).
  std::optional<uint32_t> grow(uint32_t delta);

  // Reservation size: 8 GiB of index space plus a guard page for the widest access.
  static constexpr uint64_t kReservation = (uint64_t{8} << 30) + 65536;

 private:
  uint8_t* base_ = nullptr;
  uint32_t pages_ = 0;
  std::optional<uint32_t> max_pages_;
};

}  // namespace wc::engine
