#include "borealis/base/check.h"

#include <cstdio>
#include <cstdlib>

namespace borealis::base {

void CheckFailed(const char* file, int line, std::string_view condition,
                 std::string_view message) {
  std::fprintf(stderr, "%s:%d: check failed: %.*s: %.*s\n", file, line,
               static_cast<int>(condition.size()), condition.data(),
               static_cast<int>(message.size()), message.data());
  std::fflush(stderr);
  std::abort();
}

}  // namespace borealis::base
