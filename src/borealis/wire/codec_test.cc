// Byte codecs: round trips, malformed and hostile input, the TJSON shape Aurora clients
// expect, and that every generated struct used in a set<> has a working operator<.
#include "borealis/wire/codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <typeinfo>

#include "borealis/testing/status_matchers.h"
#include "gen-cpp/AuroraAdmin.h"
#include "gen-cpp/agent_types.h"
#include "gen-cpp/api_constants.h"
#include "gen-cpp/api_types.h"
#include "gen-cpp/storage_constants.h"
#include "gen-cpp/storage_types.h"

namespace borealis::wire {
namespace {

using ::borealis::testing::IsOk;
using ::borealis::testing::StatusIs;
using ::testing::_;
using ::testing::HasSubstr;

api::JobKey Key(const std::string& name) {
  api::JobKey k;
  k.__set_role("www-data");
  k.__set_environment("prod");
  k.__set_name(name);
  return k;
}

TEST(CodecTest, RoundTripsEveryProtocol) {
  storage::Snapshot snapshot;
  snapshot.__set_timestamp(1234567890123);
  api::ScheduledTask task;
  task.assignedTask.__set_taskId("t1");
  task.assignedTask.task.__set_job(Key("hello"));
  snapshot.tasks.insert(task);
  snapshot.schedulerMetadata.__set_frameworkId("fw");
  for (Protocol p : {Protocol::kBinary, Protocol::kCompact, Protocol::kJson}) {
    storage::Snapshot back;
    ASSERT_THAT(Deserialize(p, Serialize(p, snapshot), &back), IsOk()) << ProtocolName(p);
    EXPECT_TRUE(back == snapshot) << ProtocolName(p);
  }
}

TEST(CodecTest, JsonSetOfResourcesUsesSetTag) {
  api::ResourceAggregate quota;
  api::Resource cpus, ram;
  cpus.__set_numCpus(2.5);
  ram.__set_ramMb(1024);
  quota.__set_resources({cpus, ram});
  const std::string json = SerializeJson(quota);
  // Field 4 holds a set of two structs.
  EXPECT_THAT(json, HasSubstr(R"("4":{"set":["rec",2,)")) << json;
  EXPECT_THAT(json, HasSubstr(R"({"1":{"dbl":2.5}})")) << json;
  EXPECT_THAT(json, HasSubstr(R"({"2":{"i64":1024}})")) << json;
}

TEST(CodecTest, JsonFromAuroraClientDecodes) {
  // What a Python/JS client built from Aurora's IDL sends for getJobs' JobKey-ish input.
  const std::string json =
      R"({"1":{"str":"www-data"},"2":{"str":"prod"},"3":{"str":"hello"},)"
      R"("99":{"lst":["i32",1,5]}})"
      "\n";
  api::JobKey key;
  ASSERT_THAT(DeserializeJson(json, &key), IsOk());  // unknown field 99 skipped
  EXPECT_TRUE(key == Key("hello"));
}

TEST(CodecTest, MalformedBytesAreErrors) {
  api::JobConfiguration out;
  out.__set_instanceCount(77);
  for (Protocol p : {Protocol::kBinary, Protocol::kCompact, Protocol::kJson}) {
    std::string bytes = Serialize(p, api::JobConfiguration());
    EXPECT_THAT(Deserialize(p, bytes.substr(0, bytes.size() / 2), &out),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("malformed")))
        << ProtocolName(p);
    EXPECT_THAT(Deserialize(p, bytes + "xyz", &out),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unread byte")))
        << ProtocolName(p);
  }
  EXPECT_THAT(DeserializeJson("not json", &out),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("malformed json")));
  EXPECT_THAT(DeserializeBinary(std::string("\x0c\x00", 2), &out),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("near byte")));
  EXPECT_EQ(out.instanceCount, 77);  // untouched on error
}

TEST(CodecTest, EmptyInputIsAnError) {
  api::JobKey key;
  EXPECT_THAT(DeserializeCompact("", &key), StatusIs(absl::StatusCode::kInvalidArgument, _));
  EXPECT_THAT(DeserializeJson("", &key), StatusIs(absl::StatusCode::kInvalidArgument, _));
}

TEST(CodecTest, ForgedContainerSizesAreRefused) {
  // Binary: field 1 of ScheduleStatusResult is a list of 2^30 structs, in 10 bytes.
  const std::string binary("\x0f\x00\x01\x0c\x40\x00\x00\x00\x00", 9);
  api::ScheduleStatusResult result;
  EXPECT_THAT(DeserializeBinary(binary, &result),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("malformed binary")));
  // Compact: the same list header with a varint size of 2^30.
  const std::string compact("\x19\xfc\x80\x80\x80\x80\x04", 7);
  EXPECT_THAT(DeserializeCompact(compact, &result),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("malformed compact")));
  const std::string json = R"({"1":{"lst":["rec",1000000000,{}]}})";
  EXPECT_THAT(DeserializeJson(json, &result),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("malformed json")));
  // A string claiming 2 GiB.
  const std::string long_string("\x0b\x00\x01\x7f\xff\xff\xff", 7);
  api::JobKey key;
  EXPECT_THAT(DeserializeBinary(long_string, &key),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("malformed binary")));
}

TEST(CodecTest, DeepNestingIsRefused) {
  // A TaskConfig cannot nest, but skipping an unknown field of nested structs must stop.
  std::string deep;
  for (int i = 0; i < 200; ++i) deep += R"({"99":{"rec":)";
  deep += "{}";
  for (int i = 0; i < 200; ++i) deep += "}}";
  api::JobKey key;
  EXPECT_THAT(DeserializeJson(deep, &key), StatusIs(absl::StatusCode::kInvalidArgument, _));
}

TEST(CodecTest, ConstantsAreGenerated) {
  EXPECT_EQ(api::g_api_constants.ACTIVE_STATES.size(), 10u);
  EXPECT_EQ(api::g_api_constants.TERMINAL_STATES.size(), 4u);
  EXPECT_EQ(api::g_api_constants.AWAITNG_PULSE_JOB_UPDATE_STATES.size(), 2u);
  EXPECT_EQ(api::g_api_constants.AURORA_EXECUTOR_NAME, "AuroraExecutor");
  EXPECT_EQ(storage::g_storage_constants.CURRENT_SCHEMA_VERSION, 1);
}

// Two distinct values and a duplicate of the first: a set must hold exactly two.
template <typename T>
void ExpectSetWorks(T a, T b) {
  std::set<T> s{a, b, a};
  EXPECT_EQ(s.size(), 2u) << typeid(T).name();
  EXPECT_EQ(s.count(a), 1u) << typeid(T).name();
  EXPECT_EQ(s.count(b), 1u) << typeid(T).name();
  EXPECT_FALSE(a < a) << typeid(T).name();
  EXPECT_NE(a < b, b < a) << typeid(T).name();
}

TEST(OperatorsTest, EverySetElementTypeOrders) {
  api::Resource r1, r2;
  r1.__set_numCpus(1);
  r2.__set_namedPort("http");
  ExpectSetWorks(r1, r2);
  api::Resource r3;
  r3.__set_numCpus(2);
  ExpectSetWorks(r1, r3);

  ExpectSetWorks(Key("a"), Key("b"));
  api::JobUpdateKey u1, u2;
  u1.__set_job(Key("a"));
  u1.__set_id("1");
  u2 = u1;
  u2.__set_id("2");
  ExpectSetWorks(u1, u2);

  auto with_name = [](auto value, const std::string& name) {
    value.__set_name(name);
    return value;
  };
  ExpectSetWorks(with_name(api::Attribute(), "a"), with_name(api::Attribute(), "b"));
  ExpectSetWorks(with_name(api::Constraint(), "a"), with_name(api::Constraint(), "b"));
  ExpectSetWorks(with_name(api::TierConfig(), "a"), with_name(api::TierConfig(), "b"));

  api::Range g1, g2;
  g1.__set_first(0);
  g2.__set_first(1);
  ExpectSetWorks(g1, g2);
  api::Metadata m1, m2;
  m1.__set_key("a");
  m2.__set_key("b");
  ExpectSetWorks(m1, m2);

  auto with_host = [](auto value, const std::string& host) {
    value.__set_host(host);
    return value;
  };
  ExpectSetWorks(with_host(api::HostAttributes(), "a"), with_host(api::HostAttributes(), "b"));
  ExpectSetWorks(with_host(api::HostStatus(), "a"), with_host(api::HostStatus(), "b"));
  ExpectSetWorks(with_host(api::HostMaintenanceRequest(), "a"),
                 with_host(api::HostMaintenanceRequest(), "b"));

  api::MesosFetcherURI f1, f2;
  f1.__set_value("a");
  f2.__set_value("a");
  f2.__set_extract(true);  // same key, different content: ordered by encoding
  ExpectSetWorks(f1, f2);

  api::ScheduledTask t1, t2;
  t1.assignedTask.__set_taskId("t1");
  t2.assignedTask.__set_taskId("t1");
  t2.__set_failureCount(3);
  ExpectSetWorks(t1, t2);

  api::JobConfiguration j1, j2;
  j1.__set_key(Key("a"));
  j2.__set_key(Key("b"));
  ExpectSetWorks(j1, j2);
  api::JobSummary s1, s2;
  s1.job.__set_key(Key("a"));
  s2.job.__set_key(Key("a"));
  s2.stats.__set_activeTaskCount(1);
  ExpectSetWorks(s1, s2);

  api::ConfigGroup c1, c2;
  c1.config.__set_priority(1);
  c2.config.__set_priority(2);
  ExpectSetWorks(c1, c2);
  api::InstanceTaskConfig i1, i2;
  i1.instances.insert(g1);
  i2.instances.insert(g2);
  ExpectSetWorks(i1, i2);

  api::PendingReason p1, p2;
  p1.__set_taskId("a");
  p2.__set_taskId("b");
  ExpectSetWorks(p1, p2);
  api::RoleSummary o1, o2;
  o1.__set_role("a");
  o2.__set_role("b");
  ExpectSetWorks(o1, o2);

  storage::StoredCronJob cron1, cron2;
  cron1.jobConfiguration.__set_key(Key("a"));
  cron2.jobConfiguration.__set_key(Key("b"));
  ExpectSetWorks(cron1, cron2);
  storage::QuotaConfiguration q1, q2;
  q1.__set_role("a");
  q2.__set_role("b");
  ExpectSetWorks(q1, q2);
  storage::StoredJobUpdateDetails d1, d2;
  d1.details.update.summary.__set_key(u1);
  d2.details.update.summary.__set_key(u2);
  ExpectSetWorks(d1, d2);
}

TEST(OperatorsTest, ServiceClientsLink) {
  // Instantiating the generated clients proves their .cpp files are in the library.
  auto buffer = internal::WriteBuffer();
  auto protocol = internal::MakeProtocol(Protocol::kJson, buffer, 0);
  api::AuroraAdminClient client(protocol);
  client.send_getJobs("www-data");
  EXPECT_THAT(buffer->getBufferAsString(), HasSubstr("getJobs"));
}

}  // namespace
}  // namespace borealis::wire
