// UniqueFd: owns one file descriptor and closes it when destroyed. Move-only.
//
// Thread contract: a value; one owner at a time.
#pragma once

#include "absl/status/statusor.h"

namespace borealis::base {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Gives the descriptor up without closing it.
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  // Another descriptor of the same open file (close-on-exec).
  absl::StatusOr<UniqueFd> Dup() const;

 private:
  int fd_ = -1;
};

}  // namespace borealis::base
