// Path resolution beneath a directory fd, the one place the broker turns guest paths into
// kernel objects. Everything goes through openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS):
// the kernel itself refuses `..` above the directory, absolute paths, absolute symlinks,
// symlinks whose target leaves the directory, and /proc magic links, atomically with the walk,
// so a concurrent rename or symlink swap cannot race us out of the mount.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace wc::broker {

// openat2 beneath `dirfd`. Returns the fd or -errno; -EXDEV means "would escape".
// Retries the -EAGAIN the kernel returns when a rename elsewhere raced a `..` step.
int open_beneath(int dirfd, const std::string& path, uint64_t flags, uint64_t mode = 0);

// The parent directory of a path and its final component, for operations that create or
// remove a name (mkdir, unlink, rename, ...): the parent is resolved with open_beneath and the
// final component is then used relative to it, never walked, so it cannot be a symlink
// escape. Trailing slashes are removed from the final component (the kernel would follow a
// symlink named "x/") and reported, so callers can require a directory.
struct SplitPath {
  std::string parent;  // "." if the path has a single component
  std::string name;    // never empty and never contains '/'; may be "." or ".."
  bool trailing_slash = false;
};
// 0, -ENOENT for "", or -EXDEV for an absolute path (always outside the mount).
int split_path(std::string_view path, SplitPath* out);

inline bool is_dot_or_dotdot(std::string_view name) { return name == "." || name == ".."; }

}  // namespace wc::broker
