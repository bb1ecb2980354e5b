// Checked access to a guest's linear memory. Every pointer and length the guest passes is
// validated here, in 64-bit arithmetic so `ptr + len` cannot wrap, before the host reads or
// writes a byte: a bad range is EFAULT for the guest and never a host access.
#pragma once

#include <sys/uio.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

namespace wc::host::wasi {

static_assert(std::endian::native == std::endian::little, "guest memory is little-endian");

class GuestMemory {
 public:
  GuestMemory() = default;
  GuestMemory(uint8_t* base, uint64_t size) : base_(base), size_(size) {}

  uint64_t size() const { return size_; }
  bool in_bounds(uint64_t ptr, uint64_t len) const { return ptr <= size_ && len <= size_ - ptr; }

  // Host address of [ptr, ptr+len), or nullptr when the range leaves memory.
  uint8_t* range(uint64_t ptr, uint64_t len) const {
    return in_bounds(ptr, len) ? base_ + ptr : nullptr;
  }

  template <typename T>
  bool load(uint64_t ptr, T* out) const {
    const uint8_t* p = range(ptr, sizeof(T));
    if (!p) return false;
    std::memcpy(out, p, sizeof(T));
    return true;
  }
  template <typename T>
  bool store(uint64_t ptr, T value) {
    uint8_t* p = range(ptr, sizeof(T));
    if (!p) return false;
    std::memcpy(p, &value, sizeof(T));
    return true;
  }

  // The guest string [ptr, ptr+len): nullopt when out of bounds.
  std::optional<std::string_view> string(uint64_t ptr, uint64_t len) const {
    const uint8_t* p = range(ptr, len);
    if (!p) return std::nullopt;
    return std::string_view(reinterpret_cast<const char*>(p), len);
  }

 private:
  uint8_t* base_ = nullptr;
  uint64_t size_ = 0;
};

// Translates a guest iovec array into host iovecs pointing into guest memory. Returns a WASI
// errno: EFAULT if the array or any buffer leaves memory (checked for every element, even
// those beyond the count we pass on). At most IOV_MAX vectors and 2^31 - 4096 bytes in total
// (Linux's largest transfer) are passed on, so the byte count always fits the u32 result; a
// short transfer is allowed by the ABI.
uint16_t gather_iovecs(const GuestMemory& mem, uint32_t iovs_ptr, uint32_t iovs_len,
                       std::vector<struct iovec>* out);

// Path arguments: in bounds (EFAULT), valid UTF-8 (EILSEQ, as wasmtime), no NUL byte (EINVAL:
// the host would silently cut the path there).
uint16_t read_path(const GuestMemory& mem, uint32_t ptr, uint32_t len, std::string_view* out);

bool is_valid_utf8(std::string_view s);

}  // namespace wc::host::wasi
