// Typed ids: TaskId and AgentId are strings on the wire and in storage, and distinct types
// everywhere inside, so that a task id cannot be passed where an agent id is meant (or a
// message where either is). They are made from strings only explicitly — at the wire and
// storage boundary (wire/, scheduler/storage_codec) and by the code that mints new ids —
// and read back with str(). A string literal converts implicitly (tests, constants): it is
// not data from outside. Comparing with a plain string makes nothing and is allowed.
//
// JobKey (job_key in types.h) names a job; InstanceKey names one instance of it.
//
// Plain values: copyable, ordered, hashable (Abseil and std), printable.
#pragma once

#include <compare>
#include <cstddef>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace borealis::model {

template <typename Tag>
class StringId {
 public:
  StringId() = default;
  explicit StringId(std::string value) : value_(std::move(value)) {}
  explicit StringId(std::string_view value) : value_(value) {}
  StringId(const char* value) : value_(value) {}  // NOLINT: literals, see above

  const std::string& str() const& { return value_; }
  std::string str() && { return std::move(value_); }  // to hand the string over
  bool empty() const { return value_.empty(); }

  friend bool operator==(const StringId&, const StringId&) = default;
  friend auto operator<=>(const StringId&, const StringId&) = default;
  friend bool operator==(const StringId& a, std::string_view b) { return a.value_ == b; }
  friend bool operator==(const StringId& a, const std::string& b) { return a.value_ == b; }
  friend bool operator==(const StringId& a, const char* b) { return a.value_ == b; }

  template <typename H>
  friend H AbslHashValue(H h, const StringId& id) {
    return H::combine(std::move(h), id.value_);
  }
  friend std::ostream& operator<<(std::ostream& os, const StringId& id) {
    return os << id.value_;
  }

 private:
  std::string value_;
};

struct TaskIdTag {};
struct AgentIdTag {};
using TaskId = StringId<TaskIdTag>;
using AgentId = StringId<AgentIdTag>;

}  // namespace borealis::model

template <typename Tag>
struct std::hash<borealis::model::StringId<Tag>> {
  size_t operator()(const borealis::model::StringId<Tag>& id) const noexcept {
    return std::hash<std::string>()(id.str());
  }
};
