// One worker's view of the filesystem, as the broker keeps it: the directory-handle table
// (preopens are handles 0..n-1 in policy order; opening a directory adds one; close_dir frees
// one), the set of inodes it opened from writable mounts, and the request handler. Every
// message is treated as hostile: handle() validates it completely (ipc::decode_request plus
// the request-id sequence) before acting, and reports a malformed one so the caller can kill
// the worker.
#pragma once

#include <sys/stat.h>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "broker/audit.h"
#include "broker/policy.h"
#include "broker/resolve.h"
#include "ipc/protocol.h"

namespace wc::broker {

class Session {
 public:
  // Opens every mount of `policy` (each must be an existing directory). `audit` may be null
  // (no log, no hints) and must outlive the session.
  static std::unique_ptr<Session> create(const Policy& policy, std::string container_id,
                                         AuditLog* audit, std::string* error);

  // One request in, one reply out. nullopt means the message is malformed (bad kind, flags,
  // length, field, fd count, or an out-of-sequence request id): the caller must kill the
  // worker. Request ids must be 1, 2, 3, ... (wrapping), as ClientCodec sends them.
  std::optional<ipc::Message> handle(ipc::Message request);

  // A limit notice from the worker (ipc/limit_notice.h): one-way, outside the request-id
  // sequence. false means malformed: the caller must kill the worker. A limit this broker does
  // not know is ignored with an audit line (the first one per session only).
  bool notice(ipc::Message message);
  // Hands `limit` to AuditLog::limit the first time in this session (one worker run), however
  // often it is reached or reported.
  void report_limit(const std::string& limit, std::string detail, bool already_said);

  // The operation itself, on an already-validated request: the reply's result is 0 or -errno.
  void execute(ipc::Request& req, ipc::Reply& reply);

  // Where output requests' bytes go (the daemon's log of this container); unset, they are
  // refused with ENOSYS. The sink takes the bytes and says whether the reply may go now;
  // false holds it (take_held_reply) until the owner releases it: the worker waits, which is
  // --log-rate's backpressure.
  void set_output_sink(std::function<bool(std::string_view)> sink) { output_ = std::move(sink); }
  // True once after an output request whose reply the sink held.
  bool take_held_reply() { return std::exchange(held_, false); }

  const std::string& container_id() const { return container_; }
  uint32_t expected_id() const { return next_id_; }
  size_t handle_count() const;
  size_t socket_count() const { return sockets_.size(); }

 private:
  struct Handle {
    ipc::UniqueFd fd;        // the directory, as a dirfd for resolution
    std::string guest_path;  // for audit lines: "/data/sub"
    size_t mount = 0;        // index into mounts_
    bool read_only = false;
  };

  Session(const Policy& policy, std::string container_id, AuditLog* audit);

  Handle* find(uint32_t dir);
  int add_handle(Handle h, uint32_t* out);  // -EMFILE when the table is full
  void note_writable(const struct stat& st);
  bool is_writable(const struct stat& st) const;

  // Denials: audited, with a hint naming the flag that would have allowed it.
  int deny_read_only(const char* op, const Handle& h, std::string_view path);
  int deny_escape(const char* op, const Handle& h, std::string_view path);
  int deny_fd(const char* op, int error);
  int deny_set_id(const char* op, std::string target);
  int deny_owner(const char* op, std::string target);
  // Resolution helpers that turn -EXDEV from the kernel into an audited escape denial.
  int open_in(const char* op, const Handle& h, const std::string& path, uint64_t flags,
              uint64_t mode = 0);
  int open_parent(const char* op, const Handle& h, std::string_view path, SplitPath* sp);

  int do_preopens(ipc::Reply& reply);
  int do_open(ipc::Request& req, ipc::Reply& reply);
  int do_close_dir(uint32_t dir);
  int do_stat(ipc::Request& req, ipc::Reply& reply);
  int do_mkdir(ipc::Request& req);
  int do_remove(ipc::Request& req, bool directory);
  int do_rename(ipc::Request& req);
  int do_link(ipc::Request& req);
  int do_symlink(ipc::Request& req);
  int do_readlink(ipc::Request& req, ipc::Reply& reply);
  int do_set_times(ipc::Request& req);
  int do_set_mode(ipc::Request& req);
  int do_set_owner(ipc::Request& req);
  int do_fd_change(ipc::Request& req);

  // Network (session_net.cc). Every socket is created here, in the broker's network
  // namespace, after the address passed the grants.
  int do_net_connect(ipc::Request& req, ipc::Reply& reply);
  int do_net_bind(ipc::Request& req, ipc::Reply& reply);
  int do_net_resolve(ipc::Request& req, ipc::Reply& reply);
  int do_net_send_to(ipc::Request& req, ipc::Reply& reply);
  int deny_net(const char* op, const NetAddr& a, const char* flag);
  int deny_family(const char* op, const ipc::Request& req);
  int socket_room(const char* op);  // 0, or an audited -EMFILE at the socket limit
  void track_socket(int fd, bool udp);
  void prune_sockets();

  std::string container_;
  AuditLog* audit_;
  std::vector<Mount> mounts_;
  std::vector<std::optional<Handle>> handles_;  // index = DirHandle; nullopt = free slot
  size_t preopen_count_ = 0;
  size_t max_handles_;
  // (st_dev, st_ino) of what this worker opened from writable mounts: fd_set_times,
  // fd_set_size, fd_set_mode and fd_set_owner accept only those. Bounded, oldest forgotten
  // first.
  std::set<std::pair<dev_t, ino_t>> writable_;
  std::deque<std::pair<dev_t, ino_t>> writable_order_;
  uint32_t next_id_ = 1;
  Limits limits_;
  std::set<std::string> limits_reported_;  // report_limit's: at most one hit per limit
  bool unknown_notice_audited_ = false;
  std::function<bool(std::string_view)> output_;
  bool held_ = false;

  NetPolicy net_;
  // The sockets handed to this worker, by (st_dev, st_ino) of their inode -> is UDP. Closed
  // ones are pruned (from /proc/net) when the limit is reached; send_to accepts UDP ones only.
  std::map<std::pair<dev_t, ino_t>, bool> sockets_;
  size_t max_sockets_;
};

}  // namespace wc::broker
