// webcontainer-runc's per-container state under --root: ROOT/ID/ holds state.json (what
// `create` learnt: pid and its start time, bundle, rootfs, annotations, cgroups made) and, from
// `create` until `start`, exec.fifo, on which the container process waits. Every command locks
// the directory (flock) for its whole run, so commands on one id are serialised and commands
// on different ids never wait for each other. The status is never stored: it is derived from
// the pid's liveness (with its start time, so a recycled pid reads as stopped) and the fifo.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ipc/unique_fd.h"

namespace wc::oci {

// runtime-spec's state.md version these documents follow.
inline constexpr const char* kOciVersion = "1.0.2";

enum class Status { kCreated, kRunning, kStopped };
const char* status_name(Status s);

struct ContainerState {
  std::string id, bundle, rootfs;
  std::string created;  // RFC 3339, UTC
  pid_t pid = 0;
  uint64_t pid_start = 0;  // /proc/PID/stat starttime of `pid`
  std::map<std::string, std::string> annotations;
  std::vector<std::string> cgroup_dirs;  // made by create, removed by delete
};

std::string encode_state(const ContainerState& s);
bool decode_state(const std::string& text, ContainerState* out, std::string* error);
// The OCI state document (`state` prints it): ociVersion, id, status, pid (0 once stopped),
// bundle, annotations, plus rootfs and created as runc gives them.
std::string oci_state_json(const ContainerState& s, Status status);

// runc's rule: letters, digits, '_', '+', '-', '.'; not "." or ".."; at most 1024 bytes. Keeps
// every id a single path component.
bool valid_container_id(std::string_view id, std::string* error);

// "2026-12-05T03:29:39.337283002Z" for now.
std::string rfc3339_now();

class ContainerDir {
 public:
  // Makes ROOT/ID (and ROOT) and locks it; fails if the id exists.
  static std::optional<ContainerDir> create(const std::string& root, const std::string& id,
                                            std::string* error);
  // Locks an existing ROOT/ID (exclusive, or shared for readers). The error for a missing id
  // says "does not exist" (the runc shim matches these words).
  static std::optional<ContainerDir> open(const std::string& root, const std::string& id,
                                          bool exclusive, std::string* error);

  bool read(ContainerState* out, std::string* error) const;
  bool write(const ContainerState& s, std::string* error) const;  // write-then-rename
  bool has_state() const;  // false while (or if) `create` never finished
  Status status(const ContainerState& s) const;

  std::string path() const { return path_; }
  std::string fifo_path() const { return path_ + "/exec.fifo"; }
  int fd() const { return dir_.get(); }
  // Closes this process's handle (and so its share of the lock): the forked container
  // process must not keep the lock once `create` has returned.
  void drop_lock() { dir_.reset(); }
  // Removes every file in the directory, then the directory.
  bool remove(std::string* error);

 private:
  std::string path_;
  ipc::UniqueFd dir_;
};

}  // namespace wc::oci
