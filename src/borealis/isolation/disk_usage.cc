// Incremental sandbox disk usage (see disk_usage.h).
#include "borealis/isolation/disk_usage.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>

namespace borealis::isolation {

DiskUsageWalker::DiskUsageWalker(std::string root) : root_(std::move(root)) {}

DiskUsageWalker::~DiskUsageWalker() { CloseCurrent(); }

void DiskUsageWalker::CloseCurrent() {
  if (dir_ != nullptr) ::closedir(static_cast<DIR*>(dir_));
  dir_ = nullptr;
}

void DiskUsageWalker::StartPass() {
  in_pass_ = true;
  total_ = 0;
  pending_.clear();
  linked_.clear();
  struct stat st;
  if (::lstat(root_.c_str(), &st) != 0) return;  // nothing there: 0 bytes
  dev_ = st.st_dev;
  total_ += static_cast<int64_t>(st.st_blocks) * 512;
  if (S_ISDIR(st.st_mode)) pending_.push_back(root_);
}

std::optional<int64_t> DiskUsageWalker::Step(int budget) {
  if (!in_pass_) StartPass();
  int visited = 0;
  while (visited < std::max(budget, 1)) {
    if (dir_ == nullptr) {
      if (pending_.empty()) {
        in_pass_ = false;
        return total_;
      }
      dir_path_ = std::move(pending_.back());
      pending_.pop_back();
      dir_ = ::opendir(dir_path_.c_str());
      ++visited;
      continue;  // unreadable directories count only their own inode
    }
    DIR* dir = static_cast<DIR*>(dir_);
    dirent* entry = ::readdir(dir);
    if (entry == nullptr) {
      CloseCurrent();
      continue;
    }
    if (std::strcmp(entry->d_name, ".") == 0 || std::strcmp(entry->d_name, "..") == 0) continue;
    ++visited;
    struct stat st;
    if (::fstatat(::dirfd(dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (st.st_dev != dev_) continue;  // another file system mounted inside
    if (!S_ISDIR(st.st_mode) && st.st_nlink > 1 && !linked_.insert({st.st_dev, st.st_ino}).second) {
      continue;
    }
    total_ += static_cast<int64_t>(st.st_blocks) * 512;
    if (S_ISDIR(st.st_mode)) pending_.push_back(dir_path_ + "/" + entry->d_name);
  }
  return std::nullopt;
}

int64_t DiskUsageWalker::Measure() {
  CloseCurrent();
  in_pass_ = false;
  for (;;) {
    if (std::optional<int64_t> total = Step(1 << 16)) return *total;
  }
}

}  // namespace borealis::isolation
