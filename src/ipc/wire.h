// The wire format between a worker and the broker. One message is one SOCK_SEQPACKET datagram:
// a fixed 12-byte little-endian header {kind u16, flags u16, request id u32, payload length u32}
// followed by a compact payload; fds ride alongside as SCM_RIGHTS. The Reader fails closed: the
// first bad length, enum or string poisons it, and callers treat a poisoned read as a protocol
// violation.
#pragma once

#include <time.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ipc/unique_fd.h"

namespace wc::ipc {

// One kind per BrokerClient operation. A reply carries its request's kind with kFlagReply set.
enum class Kind : uint16_t {
  kPreopens = 1,
  kOpen,
  kCloseDir,
  kStat,
  kMkdir,
  kRmdir,
  kUnlink,
  kRename,
  kLink,
  kSymlink,
  kReadlink,
  kSetTimes,
  kFdSetTimes,
  kFdSetSize,
  kNetConnect,
  kNetBind,
  kNetResolve,
  kNetSendTo,
  // Appended, so the numbers of the kinds above stay what they were.
  kSetMode,
  kFdSetMode,
  kSetOwner,
  kFdSetOwner,
  // The guest's stdout and stderr under `webcontainerd serve` (ipc/output_forwarder.h): bytes
  // the broker hands to the container's log; its reply says they were taken.
  kOutput,
};
constexpr uint16_t kKindLast = static_cast<uint16_t>(Kind::kOutput);
constexpr bool valid_kind(uint16_t k) { return k >= 1 && k <= kKindLast; }
const char* kind_name(Kind kind);

constexpr uint16_t kFlagReply = 1;

constexpr size_t kHeaderSize = 12;
constexpr size_t kMaxPayload = 64 * 1024;  // fits any request; bounds the preopen list below
constexpr size_t kMaxPath = 4096;          // PATH_MAX: longer paths are refused, not truncated
constexpr size_t kMaxFds = 64;             // per message; also the most preopens a policy has
constexpr size_t kMaxGuestPath = 512;      // preopen names: 64 of them stay within kMaxPayload
// Network requests.
constexpr size_t kMaxHostName = 253;    // a DNS name without its trailing dot
constexpr size_t kMaxService = 32;      // NI_MAXSERV
constexpr size_t kMaxResolved = 64;     // addresses in one resolve reply
constexpr int32_t kMaxBacklog = 65535;  // the kernel clamps to net.core.somaxconn anyway
constexpr size_t kMaxDatagram = kMaxPayload - 256;  // send_to data: the rest of the payload
constexpr size_t kMaxOutput = kMaxDatagram;         // output: bytes in one request

struct Header {
  uint16_t kind = 0;
  uint16_t flags = 0;
  uint32_t id = 0;
  uint32_t length = 0;  // payload bytes after the header
};

void encode_header(const Header& h, uint8_t out[kHeaderSize]);
Header decode_header(const uint8_t in[kHeaderSize]);

struct Message {
  Header header;
  std::vector<uint8_t> payload;
  std::vector<UniqueFd> fds;
};

// A path or symlink target as both sides accept it: 0, -EINVAL (embedded NUL) or
// -ENAMETOOLONG (> kMaxPath bytes). Any other bytes, including non-UTF-8, are Linux's business.
int check_path(std::string_view path);

// Appends little-endian fields.
class Writer {
 public:
  void u8(uint8_t v) { bytes_.push_back(v); }
  void u16(uint16_t v) { put(v, 2); }
  void u32(uint32_t v) { put(v, 4); }
  void u64(uint64_t v) { put(v, 8); }
  void i32(int32_t v) { put(static_cast<uint32_t>(v), 4); }
  void i64(int64_t v) { put(static_cast<uint64_t>(v), 8); }
  void boolean(bool v) { u8(v ? 1 : 0); }
  void str(std::string_view s);                                 // u32 length, bytes
  void str(std::string_view s, size_t /*max_len*/) { str(s); }  // Reader's signature
  void path(std::string_view s) { str(s); }
  void times(const struct timespec t[2]);
  void bytes(std::span<const uint8_t> b);  // u32 length, bytes
  void bytes(std::span<const uint8_t> b, size_t /*max_len*/) { bytes(b); }
  std::vector<uint8_t> take() { return std::move(bytes_); }

 private:
  void put(uint64_t v, int n) {
    for (int i = 0; i < n; i++) bytes_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  std::vector<uint8_t> bytes_;
};

// Reads the fields Writer wrote, checking each one. After a failure every read returns false
// and leaves its output untouched; `complete()` is true only if all reads succeeded and the
// payload was consumed exactly.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  bool u8(uint8_t& v);
  bool u16(uint16_t& v);
  bool u32(uint32_t& v);
  bool u64(uint64_t& v);
  bool i32(int32_t& v);
  bool i64(int64_t& v);
  bool boolean(bool& v);                     // exactly 0 or 1
  bool str(std::string& s, size_t max_len);  // no NUL, at most max_len bytes
  bool path(std::string& s) { return str(s, kMaxPath); }
  bool times(struct timespec t[2]);                     // nsec in range or UTIME_NOW / UTIME_OMIT
  bool bytes(std::vector<uint8_t>& b, size_t max_len);  // any bytes, at most max_len
  bool fail() {
    ok_ = false;
    return false;
  }
  bool ok() const { return ok_; }
  bool complete() const { return ok_ && pos_ == bytes_.size(); }

 private:
  bool get(uint64_t& v, size_t n);
  std::span<const uint8_t> bytes_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace wc::ipc
