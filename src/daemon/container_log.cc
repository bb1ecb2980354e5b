#include "daemon/container_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace wc::daemon {

namespace {

double coarse_seconds() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

uint64_t file_size(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

// pread of [off, off+len) of `path` appended to *out.
void read_range(const std::string& path, uint64_t off, uint64_t len, std::string* out) {
  if (len == 0) return;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  size_t at = out->size();
  out->resize(at + len);
  ssize_t n = pread(fd, out->data() + at, len, static_cast<off_t>(off));
  out->resize(at + (n > 0 ? static_cast<size_t>(n) : 0));
  ::close(fd);
}

}  // namespace

void ContainerLog::configure(std::string path, uint64_t max_bytes, uint64_t dropped) {
  path_ = std::move(path);
  max_bytes_ = max_bytes;
  dropped_ = dropped;
  fd_.reset();
}

void ContainerLog::close_if_idle(double idle_seconds) {
  if (fd_ && coarse_seconds() - last_append_ >= idle_seconds) fd_.reset();
}

bool ContainerLog::ensure_open() {
  if (fd_) return true;
  fd_ = ipc::UniqueFd(::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
  size_ = file_size(path_);
  old_size_ = file_size(path_ + ".1");
  return static_cast<bool>(fd_);
}

void ContainerLog::rotate() {
  fd_.reset();
  dropped_ += old_size_;
  ::rename(path_.c_str(), (path_ + ".1").c_str());
  old_size_ = size_;
  size_ = 0;
  fd_ = ipc::UniqueFd(::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
}

bool ContainerLog::append(std::string_view data) {
  if (!ensure_open()) return false;
  last_append_ = coarse_seconds();
  bool rotated = false;
  while (!data.empty()) {
    if (max_bytes_ && size_ >= max_bytes_) {
      rotate();
      rotated = true;
      if (!fd_) return rotated;
    }
    size_t n = data.size();
    if (max_bytes_) n = std::min<uint64_t>(n, max_bytes_ - size_);
    ssize_t w = ::write(fd_.get(), data.data(), n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return rotated;  // disk full: the bytes are lost, the daemon goes on
    size_ += static_cast<uint64_t>(w);
    data.remove_prefix(static_cast<size_t>(w));
  }
  return rotated;
}

uint64_t ContainerLog::begin() {
  ensure_open();
  return dropped_;
}

uint64_t ContainerLog::end() {
  ensure_open();
  return dropped_ + old_size_ + size_;
}

std::string ContainerLog::read(uint64_t from, uint64_t max_len, uint64_t* start) {
  ensure_open();
  from = std::clamp(from, begin(), end());
  *start = from;
  std::string out;
  uint64_t len = std::min(max_len, end() - from);
  uint64_t rel = from - dropped_;  // within log.1 + log
  if (rel < old_size_) {
    uint64_t n = std::min(len, old_size_ - rel);
    read_range(path_ + ".1", rel, n, &out);
    len -= n;
    rel = old_size_;
  }
  read_range(path_, rel - old_size_, len, &out);
  return out;
}

std::string ContainerLog::tail(uint64_t lines, uint64_t window, uint64_t* start) {
  uint64_t last = end(), from = last > window ? last - window : 0;
  // Does the window start mid-line? Only if an older byte is kept and is not a line end.
  bool cut = false;
  if (from > begin()) {
    uint64_t at = 0;
    cut = read(from - 1, 1, &at) != "\n";
  }
  std::string data = read(from, window, start);
  if (lines == 0) {
    *start += data.size();
    return {};
  }
  // Back from the end over `lines` line ends (a last line without one counts as a line).
  size_t pos = data.size();
  if (pos > 0 && data[pos - 1] == '\n') pos--;
  uint64_t seen = 0;
  while (pos > 0) {
    if (data[pos - 1] == '\n' && ++seen == lines) break;
    pos--;
  }
  // Ran out of window before `lines` line ends, and the window cut its first line: that piece
  // goes (unless it is all there is).
  if (pos == 0 && seen < lines && cut) {
    size_t nl = data.find('\n');
    if (nl != std::string::npos && nl + 1 < data.size()) pos = nl + 1;
  }
  data.erase(0, pos);
  *start += pos;
  return data;
}

}  // namespace wc::daemon
