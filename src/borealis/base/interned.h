// InternedString: a string kept once per process and referred to by one pointer.
//
// For values repeated across millions of objects and drawn from a small set, such as the
// host of the scheduler that recorded a task event (every event of a task carries it).
// Two InternedStrings are equal exactly when they point at the same entry. Entries are
// never freed: intern only strings from a small, bounded set.
//
// Thread contract: constructing one takes a process-wide lock; copying and reading do not.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

namespace borealis::base {

class InternedString {
 public:
  InternedString();  // ""
  InternedString(std::string_view s);  // NOLINT: implicit, like std::string
  InternedString(const std::string& s) : InternedString(std::string_view(s)) {}  // NOLINT
  InternedString(const char* s) : InternedString(std::string_view(s)) {}  // NOLINT

  const std::string& str() const { return *s_; }
  operator const std::string&() const { return *s_; }  // NOLINT
  bool empty() const { return s_->empty(); }

  friend bool operator==(const InternedString& a, const InternedString& b) {
    return a.s_ == b.s_;
  }
  friend bool operator==(const InternedString& a, std::string_view b) { return *a.s_ == b; }
  friend std::ostream& operator<<(std::ostream& os, const InternedString& s) {
    return os << *s.s_;
  }

 private:
  const std::string* s_;
};

}  // namespace borealis::base
