// A container's log: the guest's stdout and stderr (which reach the daemon through a pipe) and
// the daemon's own lines, appended to DIR/containers/ID/log. The file is capped: when it would
// grow past `max_bytes` it becomes `log.1` (replacing the older one) and a new `log` starts, so a
// container never holds more than 2 * max_bytes of disk however much it writes.
//
// Offsets are logical: byte N of everything the container ever logged. `dropped` counts the
// bytes rotated out of existence (persisted with the container's state), so an offset a client
// got before a rotation still means the same byte, or the oldest one kept if that is gone.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ipc/unique_fd.h"

namespace wc::daemon {

class ContainerLog {
 public:
  // `path` is the live file; the rotated one is path + ".1". Opens lazily on first use.
  void configure(std::string path, uint64_t max_bytes, uint64_t dropped);
  // Appends; returns true when a rotation happened (the caller persists dropped()).
  bool append(std::string_view data);
  // Up to `max_len` bytes starting at logical offset `from` (moved up to begin() if older);
  // *start says where the returned bytes begin.
  std::string read(uint64_t from, uint64_t max_len, uint64_t* start);
  // The last `lines` lines among the newest `window` bytes (`logs --tail N`), across the
  // rotation boundary; *start says where they begin. 0 lines: nothing, *start = end().
  std::string tail(uint64_t lines, uint64_t window, uint64_t* start);
  uint64_t begin();  // the oldest logical offset still on disk
  uint64_t end();    // the logical offset the next byte will have
  uint64_t dropped() const { return dropped_; }
  void close() { fd_.reset(); }
  // Closes the file if nothing was appended for `idle_seconds` (it reopens on the next use): a
  // daemon with thousands of quiet containers should not hold a descriptor for each log.
  void close_if_idle(double idle_seconds);

 private:
  bool ensure_open();
  void rotate();
  std::string path_;
  uint64_t max_bytes_ = 0, dropped_ = 0;
  uint64_t size_ = 0, old_size_ = 0;  // of `log` and `log.1`
  double last_append_ = 0;            // CLOCK_MONOTONIC_COARSE seconds
  ipc::UniqueFd fd_;
};

}  // namespace wc::daemon
