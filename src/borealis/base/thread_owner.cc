// ThreadOwner's slow paths: recording the owner's Linux thread id when it binds, and the
// failure (one line on stderr, then abort()).
#include "borealis/base/thread_owner.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace borealis::base {

void ThreadOwner::RecordOwnerTid() { owner_tid_.store(::gettid(), std::memory_order_relaxed); }

void ThreadOwner::Fail() const {
  // stdio, not the logger: this must be seen even with logging turned off.
  std::fprintf(stderr, "%s called from thread %d, but it belongs to thread %d\n", what_,
               static_cast<int>(::gettid()),
               static_cast<int>(owner_tid_.load(std::memory_order_relaxed)));
  std::fflush(stderr);
  std::abort();
}

}  // namespace borealis::base
