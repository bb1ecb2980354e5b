// The audit trail: one JSON line per denial (time, container, operation, target, rule, errno)
// and, the first time a rule denies something, a hint on stderr naming the flag that would
// allow it. Safe to share between sessions of one broker (single-threaded loop); each line is
// one write(2) on an O_APPEND fd, so several brokers can share a file.
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>

#include "ipc/unique_fd.h"

namespace wc::broker {

struct Denial {
  std::string container;
  std::string op;      // "open", "rename", ..., or "ipc" for protocol violations
  std::string target;  // the guest's view: "/data/../etc/passwd"
  std::string rule;    // why: "read-only mount --dir-ro /srv::/data", "path escapes ..."
  int error = 0;       // the positive errno the guest got
  std::string hint;    // shown once per distinct text; empty for none
};

class AuditLog {
 public:
  AuditLog() = default;  // hints only, no file
  explicit AuditLog(ipc::UniqueFd fd) : fd_(std::move(fd)) {}
  static std::unique_ptr<AuditLog> open(const std::string& path, std::string* error);

  void record(const Denial& d);
  // Where hints go (default: stderr, prefixed "hint: ").
  void set_hint_sink(std::function<void(const std::string&)> sink) { hint_sink_ = std::move(sink); }

  // Instead of the once-per-log hint: every denial that carries a hint goes here, and the
  // receiver decides what is shown once (`serve`: once per container run, in its own log).
  void set_denial_sink(std::function<void(const Denial&)> sink) { denial_sink_ = std::move(sink); }

  static std::string json_line(const Denial& d, const struct timespec& now);

 private:
  ipc::UniqueFd fd_;
  std::set<std::string> hinted_;
  std::function<void(const std::string&)> hint_sink_;
  std::function<void(const Denial&)> denial_sink_;
};

}  // namespace wc::broker
