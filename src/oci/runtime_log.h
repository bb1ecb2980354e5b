// The runtime's log (--log FILE --log-format json|text): where containerd's runc shim reads why
// a command failed. The shim decodes the file as a stream of JSON objects and reports the
// `msg` of the last one whose `level` is "error"; `time` must be RFC 3339 or the decoding
// stops. Errors also go to stderr, one line, for people running the commands by hand.
#pragma once

#include <string>

namespace wc::oci {

enum class LogFormat { kText, kJson };

class RuntimeLog {
 public:
  RuntimeLog() = default;
  RuntimeLog(std::string path, LogFormat format, bool debug)
      : path_(std::move(path)), format_(format), debug_(debug) {}

  void error(const std::string& message) const;    // to the log and stderr
  void warning(const std::string& message) const;  // to the log
  void debug(const std::string& message) const;    // to the log, with --debug only

  // One log line (without its newline), as written for `level` and `message` at `time`.
  static std::string format_line(LogFormat format, const std::string& level,
                                 const std::string& message, const std::string& time);

 private:
  void write(const char* level, const std::string& message) const;

  std::string path_;
  LogFormat format_ = LogFormat::kText;
  bool debug_ = false;
};

}  // namespace wc::oci
