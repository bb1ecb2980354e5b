#include "broker/audit.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace wc::broker {
namespace {

// JSON string escaping. Paths are bytes, not necessarily UTF-8: bytes >= 0x80 are written as
// \u00XX so every line stays valid JSON (lossy for such names, but never ambiguous in ASCII).
void append_json(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

}  // namespace

std::unique_ptr<AuditLog> AuditLog::open(const std::string& path, std::string* error) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    *error = "audit log " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  return std::make_unique<AuditLog>(ipc::UniqueFd(fd));
}

std::string AuditLog::json_line(const Denial& d, const struct timespec& now) {
  struct tm tm;
  gmtime_r(&now.tv_sec, &tm);
  char when[64];
  std::snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                now.tv_nsec / 1'000'000);
  std::string line = "{\"time\":";
  append_json(line, when);
  line += ",\"container\":";
  append_json(line, d.container);
  line += ",\"op\":";
  append_json(line, d.op);
  line += ",\"target\":";
  append_json(line, d.target);
  line += ",\"rule\":";
  append_json(line, d.rule);
  line += ",\"errno\":";
  const char* name = strerrorname_np(d.error);
  append_json(line, name != nullptr ? name : std::to_string(d.error));
  line += "}\n";
  return line;
}

void AuditLog::record(const Denial& d) {
  if (fd_) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    std::string line = json_line(d, now);
    // One write per line; a short write to a full disk is not retried (the denial stands).
    ssize_t n = ::write(fd_.get(), line.data(), line.size());
    (void)n;
  }
  if (denial_sink_ && !d.hint.empty()) {
    denial_sink_(d);
    return;
  }
  // Hints name rules, not targets, so the set stays small; the cap is for safety only.
  if (!d.hint.empty() && hinted_.size() < 4096 && hinted_.insert(d.hint).second) {
    if (hint_sink_)
      hint_sink_(d.hint);
    else
      std::fprintf(stderr, "hint: %s\n", d.hint.c_str());
  }
}

void AuditLog::limit(const LimitHit& hit) {
  if (limit_sink_) return limit_sink_(hit);
  if (!hit.already_said)
    std::fprintf(stderr, "webcontainerd: limit %s: %s\n", hit.limit.c_str(), hit.detail.c_str());
}

}  // namespace wc::broker
