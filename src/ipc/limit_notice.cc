#include "ipc/limit_notice.h"

namespace wc::ipc {
namespace {

bool printable(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

}  // namespace

Message encode_limit_notice(const LimitNotice& n) {
  Writer w;
  w.u16(n.limit);
  w.str(n.detail);
  Message m;
  m.payload = w.take();
  m.header = Header{kLimitNoticeKind, 0, 0, static_cast<uint32_t>(m.payload.size())};
  return m;
}

std::optional<LimitNotice> decode_limit_notice(Message msg) {
  const Header& h = msg.header;
  if (h.kind != kLimitNoticeKind || h.flags != 0 || h.id != 0 || h.length != msg.payload.size() ||
      !msg.fds.empty()) {
    return std::nullopt;
  }
  LimitNotice n;
  Reader r(msg.payload);
  r.u16(n.limit);
  r.str(n.detail, kMaxLimitDetail);
  if (!r.complete() || !printable(n.detail)) return std::nullopt;
  return n;
}

const char* worker_limit_name(uint16_t limit) {
  switch (static_cast<host::WorkerLimit>(limit)) {
    case host::WorkerLimit::kFds: return "fds";
    case host::WorkerLimit::kMemory: return "memory";
  }
  return nullptr;
}

std::string printable_detail(std::string_view text) {
  std::string out(text.substr(0, kMaxLimitDetail));
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
  return out;
}

}  // namespace wc::ipc
