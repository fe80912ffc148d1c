// A temporary directory for one test, removed with everything in it when destroyed; and
// reading a whole file in a test.
#pragma once

#include <string>

namespace borealis::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The whole content of `path`, or "" when it cannot be read.
std::string ReadWholeFile(const std::string& path);

}  // namespace borealis::testing
