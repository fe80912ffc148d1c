// Tests of mustache scanning and runtime binding (template.h).
#include "borealis/config/template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "borealis/testing/status_matchers.h"

namespace borealis::config {
namespace {

using ::borealis::testing::IsOk;
using ::borealis::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

RuntimeContext Context() {
  RuntimeContext c;
  c.instance = 3;
  c.hostname = "host-1.example";
  c.task_id = "1600000000000-www-data-devel-hello-3-abc";
  c.ports = {{"http", 31000}, {"admin-port", 31001}};
  return c;
}

TEST(ParseRefTest, ParsesDotsAndIndexes) {
  auto ref = ParseRef(" thermos.ports[http] ");
  ASSERT_THAT(ref, IsOk());
  EXPECT_EQ(ref->text, "thermos.ports[http]");
  EXPECT_THAT(ref->parts, ElementsAre(RefPart{"thermos", false}, RefPart{"ports", false},
                                      RefPart{"http", true}));
  ASSERT_THAT(ParseRef("processes[0].name"), IsOk());
  ASSERT_THAT(ParseRef("a[b-c./d][2]"), IsOk());
}

TEST(ParseRefTest, RejectsMalformedReferences) {
  for (const char* bad : {"", "1abc", "a..b", "a[", "a[]", "a['http']", "a b", "a.[x]"}) {
    EXPECT_THAT(ParseRef(bad), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("invalid template reference")))
        << bad;
  }
}

TEST(RuntimeTemplatesTest, BindsEveryRuntimeReference) {
  auto out = ResolveRuntimeTemplates(
      "{{mesos.instance}} {{mesos.hostname}} {{thermos.task_id}} {{thermos.ports[http]}} "
      "{{ thermos.ports[admin-port] }}",
      Context());
  ASSERT_THAT(out, IsOk());
  EXPECT_EQ(*out,
            "3 host-1.example 1600000000000-www-data-devel-hello-3-abc 31000 31001");
}

TEST(RuntimeTemplatesTest, TextWithoutTemplatesIsUnchanged) {
  EXPECT_EQ(*ResolveRuntimeTemplates("echo hi; x={y}; z='}}'", Context()),
            "echo hi; x={y}; z='}}'");
  EXPECT_EQ(*ResolveRuntimeTemplates("unterminated {{mesos.instance", Context()),
            "unterminated {{mesos.instance");
}

TEST(RuntimeTemplatesTest, UnboundReferencesAreErrorsNamingThem) {
  EXPECT_THAT(ResolveRuntimeTemplates("x {{thermos.ports[health]}}", Context()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unbound template '{{thermos.ports[health]}}'")));
  EXPECT_THAT(ResolveRuntimeTemplates("{{profile.version}}", Context()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unbound template '{{profile.version}}'")));
  // Aurora's reference grammar has no quotes, so the quoted form is not a reference.
  EXPECT_THAT(ResolveRuntimeTemplates("{{thermos.ports['http']}}", Context()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("invalid template reference")));
}

TEST(RuntimeTemplatesTest, EscapesBecomeLiteralTemplates) {
  EXPECT_EQ(*ResolveRuntimeTemplates("{{&mesos.instance}}={{mesos.instance}}", Context()),
            "{{mesos.instance}}=3");
}

TEST(InterpolateTest, KeepsReferencesTheResolverDeclines) {
  RefResolver resolver = [](const Ref& ref) -> absl::StatusOr<std::optional<std::string>> {
    if (ref.text == "a") return std::optional<std::string>("A");
    return std::optional<std::string>();
  };
  EXPECT_EQ(*Interpolate("{{a}} {{b}} {{&c}}", resolver, /*keep_escapes=*/true),
            "A {{b}} {{&c}}");
  // The inner reference of a nested one is found first.
  EXPECT_EQ(*Interpolate("{{x{{a}}}}", resolver, true), "{{xA}}");
}

TEST(FindRefsTest, ListsReferencesInOrderSkippingEscapes) {
  auto refs = FindRefs("{{a}} {{&b}} {{thermos.ports[http]}} {{bad ref}}");
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(refs[0].text, "a");
  EXPECT_EQ(refs[1].text, "thermos.ports[http]");
  EXPECT_TRUE(IsRuntimeRef(refs[1]));
  EXPECT_FALSE(IsRuntimeRef(refs[0]));
}

}  // namespace
}  // namespace borealis::config
