// BOREALIS_CHECK: an invariant of our own code that must hold in every build type. When it
// does not, the process stops at once with the file, line and message on stderr: going on
// would act on memory that is no longer what the code believes (a dangling pointer, a
// broken contract). Never for outside input, which gets a Status.
#pragma once

#include <string_view>

namespace borealis::base {

[[noreturn]] void CheckFailed(const char* file, int line, std::string_view condition,
                              std::string_view message);

}  // namespace borealis::base

#define BOREALIS_CHECK(condition, message)                                             \
  do {                                                                                 \
    if (!(condition)) {                                                                \
      ::borealis::base::CheckFailed(__FILE__, __LINE__, #condition, (message));        \
    }                                                                                  \
  } while (false)
