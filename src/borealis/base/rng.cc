#include "borealis/base/rng.h"

#include <string>

namespace borealis::base {

std::string Rng::Uuid() {
  uint64_t hi = Next();
  uint64_t lo = Next();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  // xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx: the 32 hex digits of hi then lo, with dashes.
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(36, '-');
  size_t pos = 0;
  for (int nibble = 0; nibble < 32; ++nibble) {
    if (pos == 8 || pos == 13 || pos == 18 || pos == 23) ++pos;
    const uint64_t word = nibble < 16 ? hi : lo;
    out[pos++] = kHex[(word >> (60 - 4 * (nibble % 16))) & 0xf];
  }
  return out;
}

}  // namespace borealis::base
