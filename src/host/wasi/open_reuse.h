// Reuse of read-only file opens the broker already granted (issue 11: a file server opens the
// same file for every request, and each open through the broker costs two cross-process
// wakeups, the largest single cost of a request).
//
// When the guest closes a file that the broker opened read-only, as a regular file, from a
// read-only mount, with no flags beyond O_NOFOLLOW, the worker may keep the host fd for a
// short while (kReuseWindow after the broker's decision) instead of closing it. An open of
// the same path beneath the same directory handle with the same flags then takes it back,
// after checking that the file still has a name (st_nlink > 0: not deleted, not replaced by
// a rename over it) and rewinding it. Anything else (another path, other flags, a write, an
// expired or invalid fd, a denial) goes to the broker as before.
//
// Why this is safe. The broker still decides every path the worker has not been given an fd
// for: only a fd the broker handed over for exactly that (directory, path, flags) is reused,
// and a compromised worker could keep any fd it was given for as long as it liked anyway (by
// never closing it); reuse gives it no new file, no write and no other flags. Denials are
// never cached, so every denial is still audited by the broker. What reuse changes is
// freshness: for up to kReuseWindow an open can still reach the file the path named when the
// broker decided, if the host renamed it away (not over it) or moved a directory above it
// or took its read permission away; deletion, replacement by rename and in-place edits show
// at once.
//
// A directory handle the guest closes is forgotten here too (the broker may give its
// number to another directory).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "host/broker_client.h"

namespace wc::host::wasi {

// Why a host fd may be reused, carried by the guest's fd entry from open to close.
struct ReusableOpen {
  DirHandle dir = 0;
  std::string path;        // as the guest named it, beneath dir
  int flags = 0;           // the open(2) flags the broker was asked for
  uint16_t fdflags = 0;    // the guest's fdflags at open: changed ones are not reused
  int64_t decided_ns = 0;  // CLOCK_MONOTONIC time of the broker's open
};

class OpenReuse {
 public:
  static constexpr int64_t kReuseWindowNs = 100'000'000;  // 100 ms
  static constexpr size_t kMaxIdle = 16;                  // host fds kept while unused

  OpenReuse() = default;
  ~OpenReuse();
  OpenReuse(const OpenReuse&) = delete;
  OpenReuse& operator=(const OpenReuse&) = delete;

  // True when an open with these flags and this outcome may be kept on close.
  static bool eligible(int flags, const Opened& opened, bool regular_file);
  static int64_t now_ns();

  // A kept fd for (dir, path, flags), rewound and still named, with the time its broker open
  // was decided; -1 when there is none (the caller asks the broker).
  int take(DirHandle dir, std::string_view path, int flags, int64_t now, int64_t* decided_ns);
  // The guest closed `fd`, opened as `why`; keeps it if still within the window (and takes
  // ownership either way: closes it otherwise).
  void give_back(int fd, ReusableOpen why, uint16_t fdflags_now, int64_t now);
  // The directory handle is gone: close every fd kept beneath it.
  void forget_dir(DirHandle dir);
  // Closes the oldest kept fds beyond `n` (their host descriptors are needed elsewhere).
  void keep_at_most(size_t n);
  size_t idle() const { return idle_.size(); }

 private:
  struct Idle {
    ReusableOpen why;
    int fd;
  };
  void drop_expired(int64_t now);
  std::vector<Idle> idle_;  // oldest first
};

}  // namespace wc::host::wasi
