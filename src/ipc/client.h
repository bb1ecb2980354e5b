// The worker's side of the broker protocol: BrokerClient calls become requests, replies become
// results. ClientCodec does the encoding and checking; a subclass only moves messages, so the
// IPC client and the in-process DirectBrokerClient (broker/) run exactly the same codec.
#pragma once

#include <mutex>
#include <optional>

#include "host/broker_client.h"
#include "ipc/protocol.h"

namespace wc::ipc {

class ClientCodec : public host::BrokerClient {
 public:
  std::vector<host::Preopen> preopens() override;
  int open(host::DirHandle dir, std::string_view path, int oflags, uint32_t mode,
           host::Opened* out) override;
  int close_dir(host::DirHandle dir) override;
  int stat(host::DirHandle dir, std::string_view path, bool follow_symlinks,
           struct stat* out) override;
  int mkdir(host::DirHandle dir, std::string_view path, uint32_t mode) override;
  int rmdir(host::DirHandle dir, std::string_view path) override;
  int unlink(host::DirHandle dir, std::string_view path) override;
  int rename(host::DirHandle from_dir, std::string_view from, host::DirHandle to_dir,
             std::string_view to) override;
  int link(host::DirHandle from_dir, std::string_view from, host::DirHandle to_dir,
           std::string_view to, bool follow_symlinks) override;
  int symlink(std::string_view target, host::DirHandle dir, std::string_view path) override;
  int readlink(host::DirHandle dir, std::string_view path, std::string* out) override;
  int set_times(host::DirHandle dir, std::string_view path, const struct timespec times[2],
                bool follow_symlinks) override;
  int fd_set_times(int fd, const struct timespec times[2]) override;
  int fd_set_size(int fd, uint64_t size) override;
  int set_mode(host::DirHandle dir, std::string_view path, uint32_t mode,
               bool follow_symlinks) override;
  int fd_set_mode(int fd, uint32_t mode) override;
  int set_owner(host::DirHandle dir, std::string_view path, uint32_t uid, uint32_t gid,
                bool follow_symlinks) override;
  int fd_set_owner(int fd, uint32_t uid, uint32_t gid) override;
  int net_connect(int family, int type, const struct sockaddr* addr, socklen_t len, int* fd,
                  bool* in_progress) override;
  int net_bind(int family, int type, const struct sockaddr* addr, socklen_t len, int backlog,
               int* fd) override;
  int net_resolve(std::string_view host, std::string_view service, int family, int socktype,
                  std::vector<ResolvedAddress>* out) override;
  int net_send_to(int fd, const void* data, size_t size, int flags, const struct sockaddr* addr,
                  socklen_t len) override;
  // Sends the notice (ipc/limit_notice.h) the first time each kind is reached; later ones are
  // dropped here, so a guest hammering its limit costs the broker one message per kind.
  void limit_reached(host::WorkerLimit limit, std::string_view detail) override;
  // The guest's output (serve: ipc/output_forwarder.h), at most kMaxOutput bytes: returns once
  // the broker has taken it, which may be later than it arrived (--log-rate's backpressure).
  // 0, or -errno.
  int output(const void* data, size_t size);

 protected:
  // Delivers one request and returns its reply, or nullopt if the channel is broken.
  virtual std::optional<Message> transact(Message request) = 0;
  // Delivers one one-way message (no reply). Best effort: a broken channel shows on the next
  // request anyway.
  virtual void notify(Message message) = 0;

 private:
  // Fills in the id, sends, checks the reply. -EIO (and every later call -EIO) if the channel
  // or the reply is broken: a worker without a broker cannot do anything useful.
  int call(Request req, Reply* reply);
  int path_call(Kind kind, host::DirHandle dir, std::string_view path, uint32_t mode);
  std::mutex mu_;
  uint32_t next_id_ = 1;
  bool broken_ = false;
  uint32_t limits_sent_ = 0;  // bit (1 << WorkerLimit) per kind already reported
};

// Over the SOCK_SEQPACKET socket to the broker. Does not own `socket_fd` (the worker keeps it
// open through confinement). Thread-safe: one request at a time.
class IpcBrokerClient : public ClientCodec {
 public:
  explicit IpcBrokerClient(int socket_fd) : sock_(socket_fd) {}

 protected:
  std::optional<Message> transact(Message request) override;
  void notify(Message message) override;

 private:
  int sock_;
};

}  // namespace wc::ipc
