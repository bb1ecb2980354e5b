#include "host/wasi/guest_memory.h"

#include <climits>

#include "host/wasi/wasi_abi.h"

namespace wc::host::wasi {

uint16_t gather_iovecs(const GuestMemory& mem, uint32_t iovs_ptr, uint32_t iovs_len,
                       std::vector<struct iovec>* out) {
  out->clear();
  if (!mem.in_bounds(iovs_ptr, uint64_t{iovs_len} * layout::kIovecSize)) return err::kFault;
  constexpr uint64_t kMaxTotal = 0x7ffff000;  // MAX_RW_COUNT
  uint64_t total = 0;
  for (uint32_t i = 0; i < iovs_len; ++i) {
    uint32_t buf = 0, len = 0;
    mem.load(uint64_t{iovs_ptr} + uint64_t{i} * 8, &buf);
    mem.load(uint64_t{iovs_ptr} + uint64_t{i} * 8 + 4, &len);
    uint8_t* p = mem.range(buf, len);
    if (!p) return err::kFault;
    if (out->size() >= IOV_MAX || total >= kMaxTotal) continue;  // still validated above
    uint64_t take = std::min<uint64_t>(len, kMaxTotal - total);
    total += take;
    out->push_back({p, static_cast<size_t>(take)});
  }
  return err::kSuccess;
}

bool is_valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    uint8_t c = static_cast<uint8_t>(s[i]);
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else
      return false;
    if (s.size() - i <= n) return false;
    for (size_t k = 1; k <= n; ++k) {
      uint8_t d = static_cast<uint8_t>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

uint16_t read_path(const GuestMemory& mem, uint32_t ptr, uint32_t len, std::string_view* out) {
  auto s = mem.string(ptr, len);
  if (!s) return err::kFault;
  if (!is_valid_utf8(*s)) return err::kIlseq;
  if (s->find('\0') != std::string_view::npos) return err::kInval;
  *out = *s;
  return err::kSuccess;
}

}  // namespace wc::host::wasi
