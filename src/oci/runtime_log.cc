#include "oci/runtime_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "oci/state.h"

namespace wc::oci {

std::string RuntimeLog::format_line(LogFormat format, const std::string& level,
                                    const std::string& message, const std::string& time) {
  if (format == LogFormat::kJson)
    return nlohmann::json{{"level", level}, {"msg", message}, {"time", time}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
  // logfmt, as runc's text format: the message quoted, with JSON string escapes.
  return "time=\"" + time + "\" level=" + level + " msg=" +
         nlohmann::json(message).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void RuntimeLog::write(const char* level, const std::string& message) const {
  if (path_.empty()) return;
  std::string line = format_line(format_, level, message, rfc3339_now()) + "\n";
  // One write on an O_APPEND fd: lines from concurrent commands never interleave.
  int fd = open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return;
  ssize_t n = ::write(fd, line.data(), line.size());
  (void)n;
  close(fd);
}

void RuntimeLog::error(const std::string& message) const {
  write("error", message);
  std::fprintf(stderr, "webcontainer-runc: %s\n", message.c_str());
}

void RuntimeLog::warning(const std::string& message) const { write("warning", message); }

void RuntimeLog::debug(const std::string& message) const {
  if (debug_) write("debug", message);
}

}  // namespace wc::oci
