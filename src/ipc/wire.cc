#include "ipc/wire.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace wc::ipc {

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::kPreopens: return "preopens";
    case Kind::kOpen: return "open";
    case Kind::kCloseDir: return "close_dir";
    case Kind::kStat: return "stat";
    case Kind::kMkdir: return "mkdir";
    case Kind::kRmdir: return "rmdir";
    case Kind::kUnlink: return "unlink";
    case Kind::kRename: return "rename";
    case Kind::kLink: return "link";
    case Kind::kSymlink: return "symlink";
    case Kind::kReadlink: return "readlink";
    case Kind::kSetTimes: return "set_times";
    case Kind::kFdSetTimes: return "fd_set_times";
    case Kind::kFdSetSize: return "fd_set_size";
    case Kind::kNetConnect: return "connect";
    case Kind::kNetBind: return "bind";
    case Kind::kNetResolve: return "resolve";
    case Kind::kNetSendTo: return "send_to";
    case Kind::kSetMode: return "set_mode";
    case Kind::kFdSetMode: return "fd_set_mode";
    case Kind::kSetOwner: return "set_owner";
    case Kind::kFdSetOwner: return "fd_set_owner";
    case Kind::kOutput: return "output";
  }
  return "unknown";
}

void encode_header(const Header& h, uint8_t out[kHeaderSize]) {
  Writer w;
  w.u16(h.kind);
  w.u16(h.flags);
  w.u32(h.id);
  w.u32(h.length);
  std::vector<uint8_t> b = w.take();
  std::memcpy(out, b.data(), kHeaderSize);
}

Header decode_header(const uint8_t in[kHeaderSize]) {
  auto le = [&](size_t at, size_t n) {
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++) v |= static_cast<uint32_t>(in[at + i]) << (8 * i);
    return v;
  };
  return Header{static_cast<uint16_t>(le(0, 2)), static_cast<uint16_t>(le(2, 2)), le(4, 4),
                le(8, 4)};
}

int check_path(std::string_view path) {
  if (path.size() > kMaxPath) return -ENAMETOOLONG;
  if (path.find('\0') != std::string_view::npos) return -EINVAL;
  return 0;
}

void Writer::str(std::string_view s) {
  u32(static_cast<uint32_t>(s.size()));
  bytes_.insert(bytes_.end(), s.begin(), s.end());
}

void Writer::times(const struct timespec t[2]) {
  for (int i = 0; i < 2; i++) {
    i64(t[i].tv_sec);
    i64(t[i].tv_nsec);
  }
}

void Writer::bytes(std::span<const uint8_t> b) {
  u32(static_cast<uint32_t>(b.size()));
  bytes_.insert(bytes_.end(), b.begin(), b.end());
}

bool Reader::bytes(std::vector<uint8_t>& b, size_t max_len) {
  uint32_t n;
  if (!u32(n)) return false;
  if (n > max_len || n > bytes_.size() - pos_) return fail();
  b.assign(bytes_.begin() + static_cast<std::ptrdiff_t>(pos_),
           bytes_.begin() + static_cast<std::ptrdiff_t>(pos_ + n));
  pos_ += n;
  return true;
}

bool Reader::get(uint64_t& v, size_t n) {
  if (!ok_ || bytes_.size() - pos_ < n) return fail();
  uint64_t x = 0;
  for (size_t i = 0; i < n; i++) x |= static_cast<uint64_t>(bytes_[pos_ + i]) << (8 * i);
  pos_ += n;
  v = x;
  return true;
}

bool Reader::u8(uint8_t& v) {
  uint64_t x;
  if (!get(x, 1)) return false;
  v = static_cast<uint8_t>(x);
  return true;
}
bool Reader::u16(uint16_t& v) {
  uint64_t x;
  if (!get(x, 2)) return false;
  v = static_cast<uint16_t>(x);
  return true;
}
bool Reader::u32(uint32_t& v) {
  uint64_t x;
  if (!get(x, 4)) return false;
  v = static_cast<uint32_t>(x);
  return true;
}
bool Reader::u64(uint64_t& v) { return get(v, 8); }
bool Reader::i32(int32_t& v) {
  uint32_t x;
  if (!u32(x)) return false;
  v = static_cast<int32_t>(x);
  return true;
}
bool Reader::i64(int64_t& v) {
  uint64_t x;
  if (!get(x, 8)) return false;
  v = static_cast<int64_t>(x);
  return true;
}

bool Reader::boolean(bool& v) {
  uint8_t x;
  if (!u8(x)) return false;
  if (x > 1) return fail();
  v = x == 1;
  return true;
}

bool Reader::str(std::string& s, size_t max_len) {
  uint32_t n;
  if (!u32(n)) return false;
  if (n > max_len || n > bytes_.size() - pos_) return fail();
  const char* p = reinterpret_cast<const char*>(bytes_.data() + pos_);
  if (std::memchr(p, 0, n) != nullptr) return fail();
  s.assign(p, n);
  pos_ += n;
  return true;
}

bool Reader::times(struct timespec t[2]) {
  struct timespec r[2];
  for (int i = 0; i < 2; i++) {
    int64_t sec, nsec;
    if (!i64(sec) || !i64(nsec)) return false;
    bool special = nsec == UTIME_NOW || nsec == UTIME_OMIT;
    if (!special && (nsec < 0 || nsec > 999'999'999)) return fail();
    r[i].tv_sec = sec;
    r[i].tv_nsec = nsec;
  }
  t[0] = r[0];
  t[1] = r[1];
  return true;
}

}  // namespace wc::ipc
