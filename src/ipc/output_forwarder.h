// The worker's side of serve's output channel (WorkerSpec::output_to_broker): the guest's
// stdout and stderr reach the daemon as output requests on the worker's broker socket, so the
// daemon holds no fd per container for them (daemon/daemon_stream.cc).
//
// Fds 1 and 2 become the write end of one pipe inside the worker, exactly what every writer of
// stdio already writes to (WASI fd_write, Go's fs.writeSync and console, the worker's own
// "webcontainerd: ..." lines), with stdout and stderr in the order they were written, as the
// daemon's pipe gave them before. A thread reads the pipe and sends each read as one output
// request, and waits for its answer before reading on: the broker answers once the bytes are
// taken, and holds the answer while the container is over --log-rate, so the pipe fills and
// the guest's writes wait, as they did on the daemon's pipe. Hooking each writer instead would
// have to find every one (and keep finding them); the pipe cannot miss one, keeps
// poll_oneoff's readiness on fd 1 and 2 real, and costs one thread per worker.
//
// At exit, finish() closes fds 1 and 2 and waits until the thread has sent the rest: the
// worker's end is never before its last output is the daemon's. A worker killed (SIGKILL)
// loses what is still in its pipe, at most what was written since the thread last read.
#pragma once

#include <string>
#include <thread>

#include "ipc/client.h"
#include "ipc/unique_fd.h"

namespace wc::ipc {

class OutputForwarder {
 public:
  // Puts the pipe's write end on fds 1 and 2. Before anything writes to them.
  bool redirect(std::string* error);
  // Starts forwarding through `broker` (which must outlive finish()). Only once the worker has
  // read its first message (the module), so that the only datagrams left for it are answers.
  bool start(ClientCodec& broker, std::string* error);
  // Closes fds 1 and 2 and returns once everything written to them has been sent. No-op if
  // not started.
  void finish();
  // The pipe's read end once redirected (-1 before): confinement must keep it open.
  int read_fd() const { return read_end_.get(); }

 private:
  UniqueFd read_end_;
  std::thread thread_;
};

}  // namespace wc::ipc
