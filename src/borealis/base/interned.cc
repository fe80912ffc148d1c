#include "borealis/base/interned.h"

#include <mutex>
#include <unordered_set>

namespace borealis::base {
namespace {

// The entries: a node-based set, so an entry's address never changes; never destroyed,
// so InternedStrings in static objects stay valid at exit.
struct Pool {
  std::mutex mu;
  std::unordered_set<std::string> strings;
};

Pool& ThePool() {
  static Pool* pool = new Pool();
  return *pool;
}

}  // namespace

InternedString::InternedString() : InternedString(std::string_view()) {}

InternedString::InternedString(std::string_view s) {
  Pool& pool = ThePool();
  std::lock_guard<std::mutex> lock(pool.mu);
  s_ = &*pool.strings.emplace(s).first;
}

}  // namespace borealis::base
