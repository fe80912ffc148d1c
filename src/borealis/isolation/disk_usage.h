// Disk usage of a sandbox, measured a little at a time (docs/isolation.md): a du-like
// walk that lstat()s every entry (symlinks are counted, never followed), adds
// st_blocks * 512 (what the file really occupies; sparse files count what is
// allocated), counts a file with several hard links once, and does not cross into other
// file systems. Step() visits a bounded number of entries, so a sandbox of millions of
// files never stalls the caller's loop; a pass ends when the whole tree was visited.
//
// Files that vanish while being walked are skipped. One owner thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace borealis::isolation {

class DiskUsageWalker {
 public:
  explicit DiskUsageWalker(std::string root);
  ~DiskUsageWalker();
  DiskUsageWalker(const DiskUsageWalker&) = delete;
  DiskUsageWalker& operator=(const DiskUsageWalker&) = delete;

  // Visits at most `budget` entries (at least one). When this finishes a pass, returns
  // its total in bytes (and the next call starts a new pass); otherwise nullopt.
  std::optional<int64_t> Step(int budget);

  // Runs a whole pass at once (tests, tools).
  int64_t Measure();

 private:
  void StartPass();
  void CloseCurrent();

  std::string root_;
  bool in_pass_ = false;
  dev_t dev_ = 0;
  int64_t total_ = 0;
  std::vector<std::string> pending_;  // directories still to read
  void* dir_ = nullptr;               // DIR* being read
  std::string dir_path_;
  std::set<std::pair<dev_t, ino_t>> linked_;  // files with nlink > 1 already counted
};

}  // namespace borealis::isolation
