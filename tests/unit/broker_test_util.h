// Helpers for the broker and IPC tests: temporary directory trees, small file utilities, and
// forked workers on a broker socket.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "ipc/socket.h"
#include "ipc/unique_fd.h"

namespace wc::testing {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/wc-broker-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() {
    nftw(
        path_.c_str(),
        [](const char* p, const struct stat*, int, struct FTW*) { return ::remove(p); }, 16,
        FTW_DEPTH | FTW_PHYS);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

inline void write_file(const std::string& path, const std::string& data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd >= 0) {
    ssize_t n = ::write(fd, data.data(), data.size());
    (void)n;
    ::close(fd);
  }
}

inline std::string read_fd(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  lseek(fd, 0, SEEK_SET);
  while ((n = ::read(fd, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

inline std::string read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "<missing>";
  std::string s = read_fd(fd);
  ::close(fd);
  return s;
}

inline bool exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

inline int count_open_fds() {
  int n = 0;
  DIR* d = opendir("/proc/self/fd");
  if (d == nullptr) return -1;
  while (readdir(d) != nullptr) n++;
  closedir(d);
  return n;
}

// A forked worker: its pid and the broker's end of its socket.
struct Child {
  pid_t pid = -1;
  ipc::UniqueFd broker_end;
};

// Forks a worker running `body(socket)`; its exit status is body's result.
inline Child spawn(const std::function<int(int)>& body) {
  ipc::UniqueFd sp[2];
  if (ipc::make_socketpair(sp) != 0) return {};
  // What this process buffered for its stdout (gtest's banner, when stdout is a pipe) would
  // otherwise be flushed again by the child, e.g. into the output a forwarder carries.
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    sp[0].reset();
    _exit(body(sp[1].get()));
  }
  return Child{pid, std::move(sp[0])};
}

}  // namespace wc::testing
