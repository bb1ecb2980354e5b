#include "ipc/output_forwarder.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace wc::ipc {

bool OutputForwarder::redirect(std::string* error) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) {
    *error = std::string("output pipe: ") + std::strerror(errno);
    return false;
  }
  UniqueFd write_end(p[1]);
  read_end_ = UniqueFd(p[0]);
  if (dup2(write_end.get(), 1) < 0 || dup2(write_end.get(), 2) < 0) {
    *error = std::string("output pipe: dup2: ") + std::strerror(errno);
    read_end_.reset();
    return false;
  }
  return true;
}

bool OutputForwarder::start(ClientCodec& broker, std::string* error) {
  if (!read_end_) return true;
  // The thread takes no signal: a process-directed one (SIGXCPU) must reach the main thread,
  // where it ends a blocking wait of the guest's (WasiContext::set_interrupt_by_signal_only).
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  struct Restore {
    sigset_t* mask;
    ~Restore() { pthread_sigmask(SIG_SETMASK, mask, nullptr); }
  } restore{&old};
  try {
    thread_ = std::thread([fd = read_end_.get(), &broker] {
      // Not zeroed: a page is touched only once output fills it, so an idle container's
      // thread costs no buffer memory (a zeroed one was 64 KiB of PSS per container).
      std::unique_ptr<char[]> buf(new char[kMaxOutput]);
      bool broken = false;
      for (;;) {
        ssize_t n = ::read(fd, buf.get(), kMaxOutput);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // EOF: fds 1 and 2 are closed (finish)
        // A broken channel drops the output but keeps reading, so no writer ever blocks on a
        // pipe nobody reads; the worker learns of the broker's end on its next request.
        if (!broken && broker.output(buf.get(), static_cast<size_t>(n)) == -EIO) broken = true;
      }
    });
  } catch (const std::system_error& e) {
    *error = std::string("output thread: ") + e.what();
    return false;
  }
  return true;
}

void OutputForwarder::finish() {
  if (!thread_.joinable()) return;
  std::fflush(stdout);
  std::fflush(stderr);
  ::close(1);
  ::close(2);
  thread_.join();
}

}  // namespace wc::ipc
