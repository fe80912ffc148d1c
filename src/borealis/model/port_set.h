#pragma once

// A set of port numbers kept as a sorted vector. An agent holds tens of ports, rarely
// hundreds: a contiguous array is 4 bytes a port instead of a 40-byte tree node, copies
// in one allocation, and is scanned without chasing pointers.

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

namespace borealis::model {

class PortSet {
 public:
  using const_iterator = std::vector<int32_t>::const_iterator;
  using iterator = const_iterator;
  using value_type = int32_t;

  PortSet() = default;
  PortSet(std::initializer_list<int32_t> ports) {
    for (int32_t p : ports) insert(p);
  }

  // Like std::set::insert: the position of `port` and whether it was added.
  std::pair<const_iterator, bool> insert(int32_t port) {
    auto it = std::lower_bound(ports_.begin(), ports_.end(), port);
    if (it != ports_.end() && *it == port) return {it, false};
    return {ports_.insert(it, port), true};
  }
  // Number of ports removed (0 or 1).
  size_t erase(int32_t port) {
    auto it = std::lower_bound(ports_.begin(), ports_.end(), port);
    if (it == ports_.end() || *it != port) return 0;
    ports_.erase(it);
    return 1;
  }
  bool contains(int32_t port) const {
    return std::binary_search(ports_.begin(), ports_.end(), port);
  }
  size_t count(int32_t port) const { return contains(port) ? 1 : 0; }
  // First port >= `port`.
  const_iterator lower_bound(int32_t port) const {
    return std::lower_bound(ports_.begin(), ports_.end(), port);
  }
  const_iterator begin() const { return ports_.begin(); }
  const_iterator end() const { return ports_.end(); }
  size_t size() const { return ports_.size(); }
  bool empty() const { return ports_.empty(); }
  void clear() { ports_.clear(); }

  bool operator==(const PortSet&) const = default;

 private:
  std::vector<int32_t> ports_;  // ascending, no duplicates
};

}  // namespace borealis::model
