#include "host/wasi/open_reuse.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "host/wasi/internal.h"

namespace wc::host::wasi {

OpenReuse::~OpenReuse() {
  for (const Idle& i : idle_) close(i.fd);
}

bool OpenReuse::eligible(int flags, const Opened& opened, bool regular_file) {
  // Only the plain read-only open (wasi-libc's open(path, O_RDONLY), with or without
  // following symlinks): no creation, truncation, append, sync or non-blocking request.
  int plain = flags & ~(O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
  return plain == O_RDONLY && opened.read_only && !opened.is_directory && regular_file &&
         opened.fd >= 0;
}

int64_t OpenReuse::now_ns() {
  struct timespec ts {};
  clock_gettime(CLOCK_MONOTONIC, &ts);  // vDSO: no syscall
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void OpenReuse::keep_at_most(size_t n) {
  if (idle_.size() <= n) return;
  size_t drop = idle_.size() - n;
  for (size_t k = 0; k < drop; k++) close(idle_[k].fd);
  idle_.erase(idle_.begin(), idle_.begin() + static_cast<std::ptrdiff_t>(drop));
}

void OpenReuse::drop_expired(int64_t now) {
  std::erase_if(idle_, [&](const Idle& i) {
    bool expired = now - i.why.decided_ns >= kReuseWindowNs;
    if (expired) close(i.fd);
    return expired;
  });
}

int OpenReuse::take(DirHandle dir, std::string_view path, int flags, int64_t now,
                    int64_t* decided_ns) {
  drop_expired(now);
  for (size_t k = idle_.size(); k-- > 0;) {  // newest first
    Idle& i = idle_[k];
    if (i.why.dir != dir || i.why.flags != flags || i.why.path != path) continue;
    int fd = i.fd;
    int64_t decided = i.why.decided_ns;
    idle_.erase(idle_.begin() + static_cast<std::ptrdiff_t>(k));
    struct stat st {};
    // Deleted or replaced by a rename over it: the path names another file (or none) now.
    if (host_fstat(fd, &st) != 0 || st.st_nlink == 0 || lseek(fd, 0, SEEK_SET) != 0) {
      close(fd);
      return -1;
    }
    *decided_ns = decided;
    return fd;
  }
  return -1;
}

void OpenReuse::give_back(int fd, ReusableOpen why, uint16_t fdflags_now, int64_t now) {
  drop_expired(now);
  if (now - why.decided_ns >= kReuseWindowNs || fdflags_now != why.fdflags) {
    close(fd);
    return;
  }
  if (idle_.size() >= kMaxIdle) {
    close(idle_.front().fd);
    idle_.erase(idle_.begin());
  }
  idle_.push_back({std::move(why), fd});
}

void OpenReuse::forget_dir(DirHandle dir) {
  std::erase_if(idle_, [&](const Idle& i) {
    if (i.why.dir == dir) close(i.fd);
    return i.why.dir == dir;
  });
}

}  // namespace wc::host::wasi
