// The state directory of `webcontainerd serve`: one folder per container,
//   DIR/containers/ID/config.json   the definition (written once, at create)
//   DIR/containers/ID/state.json    state, exit code, restarts, limit events (rewritten on change)
//   DIR/containers/ID/log           the guest's stdout and stderr, interleaved as written
// Every write goes through a temporary file and rename(), so a daemon killed mid-write leaves
// the old or the new file, never half of one. An ephemeral container (container.h: --rm, no
// restart) has only its log: no config.json, no state.json. Writing them was about a third of
// the daemon's CPU per `run --rm` start (new inodes, renames, unlinks; perf, bench/RESULTS.md),
// for files only a daemon restart reads, and a restarted daemon removes such a container
// anyway (load_all removes a folder without config.json and state.json).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "daemon/container.h"

namespace wc::daemon {

class Store {
 public:
  // Creates DIR/containers (mode 0700) if needed. False with *error if it cannot.
  bool open(const std::string& dir, std::string* error);

  std::string container_dir(const std::string& id) const { return dir_ + "/containers/" + id; }
  std::string log_path(const std::string& id) const { return container_dir(id) + "/log"; }

  bool save_definition(const Definition& d, std::string* error);
  bool save_state(const Container& c, std::string* error);
  void remove(const std::string& id);

  // Every container found; broken folders are reported on stderr and skipped. A folder with
  // neither config.json nor state.json (an ephemeral container's, or a create the daemon did
  // not finish) is removed.
  std::map<std::string, std::unique_ptr<Container>> load_all();

 private:
  std::string dir_;
};

// Atomically replaces `path` with `content` (temporary file, fsync-free rename).
bool write_file_atomic(const std::string& path, const std::string& content, std::string* error);

}  // namespace wc::daemon
