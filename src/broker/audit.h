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

// A container reached one of its limits (reported once per kind per worker run by its
// Session): the broker's own (socket count, connect rate) or one the worker enforces and
// reported with a limit notice (ipc/limit_notice.h).
struct LimitHit {
  std::string container;
  std::string limit;   // "fds", "memory", "connect_rate": the metric's label
  std::string detail;  // for people, naming the flag that raises it
  // The user has been told already: by the worker on the guest's stderr, or by a hint.
  bool already_said = false;
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

  // Where limit hits go (`serve`: the container's log, inspect events and the metric). Without
  // a sink, one stderr line for those not already said (`run` in the foreground).
  void set_limit_sink(std::function<void(const LimitHit&)> sink) { limit_sink_ = std::move(sink); }
  void limit(const LimitHit& hit);

  static std::string json_line(const Denial& d, const struct timespec& now);

 private:
  ipc::UniqueFd fd_;
  std::set<std::string> hinted_;
  std::function<void(const std::string&)> hint_sink_;
  std::function<void(const Denial&)> denial_sink_;
  std::function<void(const LimitHit&)> limit_sink_;
};

}  // namespace wc::broker
