// Deterministic randomness: every random choice takes an Rng seeded by its caller, so
// the same seed replays the same decisions.
#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace borealis::base {

class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}
  uint64_t Next() { return gen_(); }
  // Uniform in [0, n).
  uint64_t Uniform(uint64_t n) { return n == 0 ? 0 : gen_() % n; }
  // A random UUID (version 4 layout) drawn from this generator.
  std::string Uuid();

 private:
  std::mt19937_64 gen_;
};

}  // namespace borealis::base
