#include "borealis/base/log.h"

#include <unistd.h>

#include <cstdio>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace borealis::base {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

std::string Format(log_internal::FormatString<> format) {
  return log_internal::Substitute(format.text(), nullptr, 0);
}

template <typename... Args>
std::string Format(log_internal::FormatString<std::type_identity_t<Args>...> format,
                   const Args&... args) {
  const std::string texts[] = {log_internal::ToText(args)...};
  return log_internal::Substitute(format.text(), texts, sizeof...(Args));
}

enum class Color { kRed = 3 };

TEST(LogFormatTest, EachFieldTakesTheNextArgument) {
  std::string text = "text";
  std::string_view view = "view";
  EXPECT_EQ(Format("{} {} {} {} {}", text, view, "literal", 42, -7L), "text view literal 42 -7");
  EXPECT_EQ(Format("{}/{}/{}/{}", true, 'c', Color::kRed, size_t{5}), "true/c/3/5");
  EXPECT_EQ(Format("{}", 1.5), "1.5");
  EXPECT_EQ(Format("{}", static_cast<const char*>(nullptr)), "(null)");
}

TEST(LogFormatTest, DoubledBracesPrintOneBrace) {
  EXPECT_EQ(Format("{{}} {{{}}}", 1), "{} {1}");
  EXPECT_EQ(Format("no fields"), "no fields");
}

TEST(LogFormatTest, FieldCountIsCheckedAtCompileTime) {
  EXPECT_EQ(log_internal::CountFields("a {} b {} {{}}"), 2u);
  // Format("{} {}", 1) and LOG_INFO("{:x}", 1) do not compile.
}

// Runs `fn` with stderr sent to a temporary file and returns what it wrote.
template <typename Fn>
std::string CaptureStderr(Fn fn) {
  std::FILE* file = std::tmpfile();
  int saved = ::dup(STDERR_FILENO);
  ::dup2(::fileno(file), STDERR_FILENO);
  fn();
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  std::string out;
  std::rewind(file);
  char buf[512];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), file)) > 0) out.append(buf, n);
  std::fclose(file);
  return out;
}

TEST(LogTest, WritesOneLineWithTimeLevelAndName) {
  std::string out = CaptureStderr([] {
    InitLogging("tester", "info");
    LOG_DEBUG("hidden {}", 1);
    LOG_INFO("task {} -> {}", "t-1", "RUNNING");
    LOG_WARN("careful");
    InitLogging("", "info");
  });
  EXPECT_THAT(out, MatchesRegex("\\[[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}\\] "
                                "\\[info\\] \\[tester\\] task t-1 -> RUNNING\n"
                                "\\[[-0-9 :.]+\\] \\[warning\\] \\[tester\\] careful\n"));
}

TEST(LogTest, LevelsBelowTheChosenOneAreDropped) {
  std::string out = CaptureStderr([] {
    InitLogging("tester", "error");
    LOG_WARN("dropped");
    LOG_ERROR("kept");
    InitLogging("tester", "no-such-level");  // as spdlog did: logging off
    LOG_ERROR("dropped too");
    InitLogging("", "info");
  });
  EXPECT_THAT(out, EndsWith("[error] [tester] kept\n"));
  EXPECT_THAT(out, Not(HasSubstr("dropped")));
}

TEST(LogTest, JsonFormatWritesOneObjectPerLine) {
  std::string out = CaptureStderr([] {
    InitLogging("tester", "info");
    SetLogFormat(LogFormat::kJson);
    LOG_INFO("task {} said \"{}\"\nthen {}", "t-1", "hi\\", 3);
    SetLogFormat(LogFormat::kText);
    InitLogging("", "info");
  });
  EXPECT_THAT(out, MatchesRegex("\\{\"ts\":\"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z\","
                                "\"level\":\"info\",\"logger\":\"tester\","
                                "\"msg\":\"task t-1 said .*\"\\}\n"));
  EXPECT_THAT(out, HasSubstr(R"("msg":"task t-1 said \"hi\\\"\nthen 3"})"));
  LogFormat f;
  EXPECT_TRUE(ParseLogFormat("json", &f));
  EXPECT_EQ(f, LogFormat::kJson);
  EXPECT_FALSE(ParseLogFormat("xml", &f));
}

}  // namespace
}  // namespace borealis::base
