#include "borealis/base/interned.h"

#include <unordered_set>

#include "absl/base/thread_annotations.h"
#include "borealis/base/mutex.h"

namespace borealis::base {
namespace {

// The entries: a node-based set, so an entry's address never changes; never destroyed,
// so InternedStrings in static objects stay valid at exit.
struct Pool {
  Mutex mu;
  std::unordered_set<std::string> strings ABSL_GUARDED_BY(mu);
};

Pool& ThePool() {
  static Pool* pool = new Pool();
  return *pool;
}

}  // namespace

InternedString::InternedString() : InternedString(std::string_view()) {}

InternedString::InternedString(std::string_view s) {
  Pool& pool = ThePool();
  MutexLock lock(&pool.mu);
  s_ = &*pool.strings.emplace(s).first;
}

}  // namespace borealis::base
