// The one message a worker sends without expecting a reply: "limit reached: KIND, detail", for
// the limits the worker enforces itself (its fd table, its linear memory), which the broker and
// the daemon would otherwise never see. It travels outside the request/reply sequence: its
// header kind is kLimitNoticeKind (never a request kind), flags 0, id 0, no fds.
//
// The broker treats it as hostile like every other worker message: decode_limit_notice accepts
// only the exact layout (u16 limit, detail string of at most kMaxLimitDetail printable ASCII
// bytes) and anything else is a protocol violation. A limit number it does not know decodes
// (so the broker can ignore it with an audit line) but has no name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "host/broker_client.h"
#include "ipc/wire.h"

namespace wc::ipc {

constexpr uint16_t kLimitNoticeKind = 0x4c4e;  // "LN": far above every request kind
constexpr size_t kMaxLimitDetail = 256;

struct LimitNotice {
  uint16_t limit = 0;  // a host::WorkerLimit, or a number the broker does not know
  std::string detail;  // the worker's words; printable ASCII only (it reaches logs)
};

inline bool is_limit_notice(const Header& h) { return h.kind == kLimitNoticeKind; }

Message encode_limit_notice(const LimitNotice& n);
// nullopt: malformed (flags, id, length, fds, or a detail too long or not printable ASCII).
std::optional<LimitNotice> decode_limit_notice(Message msg);

// "fds", "memory"; nullptr for a number no worker of this build sends.
const char* worker_limit_name(uint16_t limit);

// The detail as the worker sends it: cut to kMaxLimitDetail, bytes outside printable ASCII
// replaced by '?', so a correct worker never has its notice refused.
std::string printable_detail(std::string_view text);

}  // namespace wc::ipc
