#include "host/wasi/fd_table.h"

#include <unistd.h>

#include <string>

namespace wc::host::wasi {

FdEntry* FdTable::get(uint32_t fd) {
  if (fd >= slots_.size() || !slots_[fd]) return nullptr;
  return &*slots_[fd];
}

std::optional<uint32_t> FdTable::insert(FdEntry entry) {
  for (uint32_t i = 0; i < slots_.size(); ++i) {
    if (!slots_[i]) {
      slots_[i] = std::move(entry);
      return i;
    }
  }
  if (slots_.size() >= max_fds_) {
    notice_full();
    return std::nullopt;
  }
  slots_.push_back(std::move(entry));
  return static_cast<uint32_t>(slots_.size() - 1);
}

bool FdTable::full() {
  if (open_count() < max_fds_) return false;
  notice_full();
  return true;
}

void FdTable::notice_full() {
  if (noticed_) return;
  noticed_ = true;
  if (on_full_) on_full_();
  if (notice_fd_ < 0) return;
  std::string line = "webcontainer: the guest has all " + std::to_string(max_fds_) +
                     " of its file descriptors open, so further opens fail with EMFILE "
                     "(raise the limit with --max-fds)\n";
  (void)!::write(notice_fd_, line.data(), line.size());
}

std::optional<FdEntry> FdTable::remove(uint32_t fd) {
  if (!get(fd)) return std::nullopt;
  std::optional<FdEntry> out = std::move(slots_[fd]);
  slots_[fd].reset();
  while (!slots_.empty() && !slots_.back()) slots_.pop_back();
  return out;
}

bool FdTable::renumber(uint32_t from, uint32_t to, std::optional<FdEntry>* displaced) {
  displaced->reset();
  if (!get(from) || !get(to)) return false;
  if (from == to) return true;
  *displaced = std::move(slots_[to]);
  slots_[to] = std::move(slots_[from]);
  slots_[from].reset();
  while (!slots_.empty() && !slots_.back()) slots_.pop_back();
  return true;
}

size_t FdTable::open_count() const {
  size_t n = 0;
  for (const auto& s : slots_) n += s.has_value();
  return n;
}

std::vector<uint32_t> FdTable::open_fds() const {
  std::vector<uint32_t> out;
  for (uint32_t i = 0; i < slots_.size(); ++i)
    if (slots_[i]) out.push_back(i);
  return out;
}

}  // namespace wc::host::wasi
