#include "borealis/wire/named_json.h"

#include <gtest/gtest.h>
#include <thrift/protocol/TJSONProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <set>

#include "borealis/testing/status_matchers.h"
#include "borealis/wire/codec.h"
#include "gen-cpp/AuroraAdmin.h"

namespace borealis::wire {
namespace {

using ::borealis::testing::IsOk;
using ::testing::HasSubstr;

IdlType T(IdlKind kind, std::string name = "", std::vector<IdlType> args = {}) {
  return IdlType{kind, std::move(name), std::move(args)};
}

// A small IDL with every kind of type the natural form knows.
const IdlTable& TestTable() {
  static const IdlTable* const table = new IdlTable(
      {
          IdlStruct{"Inner",
                    false,
                    {IdlField{1, "n", T(IdlKind::kI32), false},
                     IdlField{2, "s", T(IdlKind::kString), true}}},
          IdlStruct{"Choice",
                    true,
                    {IdlField{1, "inner", T(IdlKind::kStruct, "Inner"), false},
                     IdlField{2, "count", T(IdlKind::kI64), false},
                     IdlField{3, "label", T(IdlKind::kString), false}}},
          IdlStruct{
              "All",
              false,
              {
                  IdlField{1, "b", T(IdlKind::kBool), false},
                  IdlField{2, "y", T(IdlKind::kByte), false},
                  IdlField{3, "h", T(IdlKind::kI16), false},
                  IdlField{4, "i", T(IdlKind::kI32), false},
                  IdlField{5, "l", T(IdlKind::kI64), false},
                  IdlField{6, "d", T(IdlKind::kDouble), false},
                  IdlField{7, "s", T(IdlKind::kString), false},
                  IdlField{8, "c", T(IdlKind::kEnum, "Color"), false},
                  IdlField{9, "li", T(IdlKind::kList, "", {T(IdlKind::kStruct, "Inner")}), false},
                  IdlField{10, "sc", T(IdlKind::kSet, "", {T(IdlKind::kEnum, "Color")}), false},
                  IdlField{11, "ms", T(IdlKind::kMap, "", {T(IdlKind::kString), T(IdlKind::kI32)}),
                           false},
                  IdlField{12, "mi", T(IdlKind::kMap, "", {T(IdlKind::kI32), T(IdlKind::kString)}),
                           false},
                  IdlField{13, "inner", T(IdlKind::kStruct, "Inner"), false},
                  IdlField{14, "u", T(IdlKind::kStruct, "Choice"), false},
                  IdlField{
                      15, "me",
                      T(IdlKind::kMap, "",
                        {T(IdlKind::kEnum, "Color"), T(IdlKind::kList, "", {T(IdlKind::kI64)})}),
                      false},
                  IdlField{16, "ob", T(IdlKind::kBool), true},
              },
          },
      },
      {IdlEnum{"Color", {{"RED", 1}, {"GREEN", 2}}}},
      {IdlMethod{"doIt",
                 "Test",
                 {IdlField{1, "all", T(IdlKind::kStruct, "All"), false},
                  IdlField{3, "note", T(IdlKind::kString), false}},
                 T(IdlKind::kStruct, "All")}});
  return *table;
}

const IdlType kAll = IdlType{IdlKind::kStruct, "All", {}};

NamedJson RoundTrip(const IdlTable& table, const IdlType& type, const NamedJson& natural) {
  absl::StatusOr<NamedJson> tjson = NaturalToTJson(table, type, natural);
  EXPECT_THAT(tjson, IsOk());
  if (!tjson.ok()) return nullptr;
  absl::StatusOr<NamedJson> back = TJsonToNatural(table, type, *tjson);
  EXPECT_THAT(back, IsOk());
  return back.ok() ? *back : nullptr;
}

TEST(NamedJsonTest, EveryKindRoundTrips) {
  const NamedJson natural = NamedJson::parse(R"({
    "b": true, "y": -7, "h": 300, "i": -2000000000, "l": 9007199254740993, "d": 0.25,
    "s": "héllo \"q\"\n", "c": "GREEN",
    "li": [{"n": 1}, {"n": 2, "s": "two"}],
    "sc": ["RED", "GREEN"],
    "ms": {"http": 8080, "admin": 9090},
    "mi": {"1": "one", "-3": "minus three"},
    "inner": {"n": 0},
    "u": {"count": 12},
    "me": {"RED": [1, 2], "GREEN": []},
    "ob": false
  })");
  EXPECT_EQ(RoundTrip(TestTable(), kAll, natural), natural);
}

TEST(NamedJsonTest, TJsonFormIsThrifts) {
  absl::StatusOr<NamedJson> tjson =
      NaturalToTJson(TestTable(), kAll,
                     NamedJson::parse(R"({"b": false, "c": "RED", "sc": ["GREEN"], "mi": {"7": "x"},
                          "u": {"inner": {"n": 3}}, "d": 2})"));
  ASSERT_THAT(tjson, IsOk());
  EXPECT_EQ(
      tjson->dump(),
      R"({"1":{"tf":0},"6":{"dbl":2.0},"8":{"i32":1},"10":{"set":["i32",1,2]},)"
      R"("12":{"map":["i32","str",1,{"7":"x"}]},"14":{"rec":{"1":{"rec":{"1":{"i32":3}}}}}})");
}

TEST(NamedJsonTest, UnionsWithEveryMemberKind) {
  for (const char* text :
       {R"({"inner": {"n": 5, "s": "x"}})", R"({"count": -1})", R"({"label": ""})"}) {
    const NamedJson u = NamedJson::parse(text);
    EXPECT_EQ(RoundTrip(TestTable(), T(IdlKind::kStruct, "Choice"), u), u) << text;
  }
}

TEST(NamedJsonTest, ReadsWhatGsonReads) {
  absl::StatusOr<NamedJson> tjson =
      NaturalToTJson(TestTable(), kAll,
                     NamedJson::parse(R"({"i": "42", "l": 5.0, "h": "-3", "b": "true", "d": "1.5",
                          "s": null, "unknown": [1, 2], "u": {"count": 1, "label": null}})"));
  ASSERT_THAT(tjson, IsOk());
  absl::StatusOr<NamedJson> back = TJsonToNatural(TestTable(), kAll, *tjson);
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(*back, NamedJson::parse(R"({"b": true, "h": -3, "i": 42, "l": 5, "d": 1.5,
                                       "u": {"count": 1}})"));
}

struct BadCase {
  const char* natural;
  const char* message;
};

TEST(NamedJsonTest, BadInputNamesThePath) {
  const BadCase cases[] = {
      {R"({"i": "high"})", R"(i: expected an integer, got "high")"},
      {R"({"i": 1.5})", "i: expected an integer, got 1.5"},
      {R"({"i": 3000000000})", "i: 3000000000 is out of range for i32"},
      {R"({"y": 128})", "y: 128 is out of range for byte"},
      {R"({"l": 18446744073709551615})", "l: 18446744073709551615 is out of range for i64"},
      {R"({"b": 1})", "b: expected true or false, got 1"},
      {R"({"d": "x"})", R"(d: expected a number, got "x")"},
      {R"({"s": 5})", "s: expected a string, got 5"},
      {R"({"c": "BLUE"})", R"(c: expected a Color (one of RED, GREEN), got "BLUE")"},
      {R"({"c": 1})", "c: expected a Color (one of RED, GREEN), got 1"},
      {R"({"li": {"n": 1}})", "li: expected an array, got an object"},
      {R"({"li": [{"n": 1}, {"n": "x"}]})", R"(li[1].n: expected an integer, got "x")"},
      {R"({"li": [null]})", "li[0]: expected an object, got null"},
      {R"({"sc": ["RED", "PINK"]})", R"(sc[1]: expected a Color (one of RED, GREEN), got "PINK")"},
      {R"({"ms": {"http": "x"}})", R"(ms["http"]: expected an integer, got "x")"},
      {R"({"ms": [1]})", "ms: expected an object, got an array"},
      {R"({"mi": {"one": "x"}})", R"(mi["one"]: expected an integer, got "one")"},
      {R"({"me": {"BLUE": []}})",
       R"(me["BLUE"]: expected a Color (one of RED, GREEN), got "BLUE")"},
      {R"({"inner": "x"})", R"(inner: expected an object (Inner), got "x")"},
      {R"({"u": {}})", "u: Choice must have exactly one of inner, count, label, got 0"},
      {R"({"u": {"count": 1, "label": "x"}})",
       "u: Choice must have exactly one of inner, count, label, got 2"},
      {R"({"u": {"size": 1}})", "u: 'size' is not a member of Choice (one of inner, count, label)"},
      {R"({"u": {"inner": {"n": true}}})", "u.inner.n: expected an integer, got true"},
      {R"([1])", "expected an object (All), got an array"},
  };
  for (const BadCase& c : cases) {
    absl::StatusOr<NamedJson> tjson =
        NaturalToTJson(TestTable(), kAll, NamedJson::parse(c.natural));
    ASSERT_FALSE(tjson.ok()) << c.natural;
    EXPECT_EQ(tjson.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(tjson.status().message(), c.message) << c.natural;
  }
}

TEST(NamedJsonTest, CallCarriesNamedParameters) {
  const IdlMethod& m = *TestTable().FindMethod("doIt");
  absl::StatusOr<std::string> call =
      NamedCallToTJson(TestTable(), m, NamedJson::parse(R"({"note": "n", "other": 1})"), 7);
  ASSERT_THAT(call, IsOk());
  EXPECT_EQ(*call, R"([1,"doIt",1,7,{"3":{"str":"n"}}])");
  call = NamedCallToTJson(TestTable(), m, nullptr);
  ASSERT_THAT(call, IsOk());
  EXPECT_EQ(*call, R"([1,"doIt",1,0,{}])");
  call = NamedCallToTJson(TestTable(), m, NamedJson::parse(R"({"all": {"c": "X"}})"));
  EXPECT_THAT(call.status().message(), HasSubstr("all.c: expected a Color"));
  call = NamedCallToTJson(TestTable(), m, NamedJson::parse("[1]"));
  EXPECT_EQ(call.status().message(), "the parameters of doIt must be a JSON object, got an array");
}

// ---------------------------------------------------------------- the real API

const IdlType kJobConfiguration{IdlKind::kStruct, "JobConfiguration", {}};

TEST(NamedJsonApiTest, GeneratedTableKnowsEveryMethod) {
  const IdlTable& api = ApiIdl();
  const IdlMethod* kill = api.FindMethod("killTasks");
  ASSERT_NE(kill, nullptr);
  EXPECT_EQ(kill->service, "AuroraSchedulerManager");
  ASSERT_EQ(kill->params.size(), 3u);
  EXPECT_EQ(kill->params[0].id, 4);
  EXPECT_EQ(kill->params[0].name, "job");
  EXPECT_EQ(IdlTypeName(kill->params[1].type), "set<i32>");
  EXPECT_EQ(IdlTypeName(kill->result), "Response");
  for (const char* name : {"getRoleSummary", "getJobSummary", "getTasksStatus", "createJob",
                           "startJobUpdate", "pruneTasks", "slaDrainHosts", "getTierConfigs"}) {
    EXPECT_NE(api.FindMethod(name), nullptr) << name;
  }
  EXPECT_EQ(api.FindMethod("notAMethod"), nullptr);
  ASSERT_NE(api.FindStruct("Resource"), nullptr);
  EXPECT_TRUE(api.FindStruct("Resource")->is_union);
  EXPECT_EQ(*api.FindEnum("ScheduleStatus")->ValueOf("PARTITIONED"), 18);
}

TEST(NamedJsonApiTest, NaturalJobDecodesAsThriftsJobConfiguration) {
  const NamedJson job = NamedJson::parse(R"({
    "key": {"role": "www-data", "environment": "prod", "name": "web"},
    "cronCollisionPolicy": "CANCEL_NEW", "instanceCount": 3,
    "taskConfig": {
      "isService": true, "priority": 5, "tier": "preferred",
      "resources": [{"numCpus": 0.5}, {"ramMb": 128}, {"namedPort": "http"}],
      "constraints": [{"name": "rack", "constraint": {"limit": {"limit": 1}}}],
      "taskLinks": {"http": "http://%host%:%port:http%"},
      "container": {"docker": {"image": "debian", "parameters": [{"name": "a", "value": "b"}]}}
    }
  })");
  absl::StatusOr<NamedJson> tjson = NaturalToTJson(ApiIdl(), kJobConfiguration, job);
  ASSERT_THAT(tjson, IsOk());
  api::JobConfiguration decoded;
  ASSERT_THAT(DeserializeJson(tjson->dump(), &decoded), IsOk());
  EXPECT_EQ(decoded.key.name, "web");
  EXPECT_EQ(decoded.cronCollisionPolicy, api::CronCollisionPolicy::CANCEL_NEW);
  EXPECT_EQ(decoded.instanceCount, 3);
  EXPECT_TRUE(decoded.taskConfig.isService);
  EXPECT_EQ(decoded.taskConfig.priority, 5);
  EXPECT_EQ(decoded.taskConfig.tier, "preferred");
  EXPECT_TRUE(decoded.taskConfig.__isset.tier);
  EXPECT_FALSE(decoded.taskConfig.__isset.production);
  ASSERT_EQ(decoded.taskConfig.resources.size(), 3u);
  EXPECT_EQ(decoded.taskConfig.constraints.begin()->constraint.limit.limit, 1);
  EXPECT_EQ(decoded.taskConfig.taskLinks.at("http"), "http://%host%:%port:http%");
  EXPECT_TRUE(decoded.taskConfig.container.__isset.docker);
  EXPECT_EQ(decoded.taskConfig.container.docker.parameters.at(0).value, "b");

  // And back: what the scheduler writes reads as the same natural JSON, plus the fields
  // Thrift always writes (default requiredness).
  absl::StatusOr<NamedJson> natural =
      TJsonStructToNatural(ApiIdl(), "JobConfiguration", SerializeJson(decoded));
  ASSERT_THAT(natural, IsOk());
  EXPECT_EQ((*natural)["cronCollisionPolicy"], "CANCEL_NEW");
  EXPECT_EQ((*natural)["taskConfig"]["resources"], job["taskConfig"]["resources"]);
  EXPECT_EQ((*natural)["taskConfig"]["container"]["docker"],
            job["taskConfig"]["container"]["docker"]);
  EXPECT_EQ((*natural)["taskConfig"]["maxTaskFailures"], 0);
  EXPECT_FALSE((*natural)["taskConfig"].contains("production")) << "unset optional left out";
  EXPECT_FALSE(natural->contains("cronSchedule"));
}

TEST(NamedJsonApiTest, StringsAndDoublesSurviveThriftsReader) {
  const NamedJson config = NamedJson::parse(R"({
    "taskLinks": {"h\u00e9": "a \"quoted\" \\ line\nand\ttab \u0001 \u2603 \ud83d\ude00"},
    "resources": [{"numCpus": 1e-05}, {"numCpus": 12345678.875}, {"ramMb": -9007199254740993}]
  })");
  absl::StatusOr<NamedJson> tjson =
      NaturalToTJson(ApiIdl(), IdlType{IdlKind::kStruct, "TaskConfig", {}}, config);
  ASSERT_THAT(tjson, IsOk());
  api::TaskConfig decoded;
  ASSERT_THAT(DeserializeJson(tjson->dump(), &decoded), IsOk());
  EXPECT_EQ(decoded.taskLinks.at("h\xc3\xa9"),
            "a \"quoted\" \\ line\nand\ttab \x01 \xe2\x98\x83 \xf0\x9f\x98\x80");
  absl::StatusOr<NamedJson> back =
      TJsonStructToNatural(ApiIdl(), "TaskConfig", SerializeJson(decoded));
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ((*back)["taskLinks"], config["taskLinks"]);
  // Resources is a set: Thrift orders it, so compare as sets.
  std::set<std::string> want, got;
  for (const auto& r : config["resources"]) want.insert(r.dump());
  for (const auto& r : (*back)["resources"]) got.insert(r.dump());
  EXPECT_EQ(got, want);
}

TEST(NamedJsonApiTest, ScheduledTaskReadsNaturally) {
  api::ScheduledTask task;
  task.status = api::ScheduleStatus::RUNNING;
  task.assignedTask.taskId = "t-1";
  task.assignedTask.assignedPorts = {{"http", 31000}};
  task.assignedTask.instanceId = 2;
  api::TaskEvent event;
  event.timestamp = 1733360000123;
  event.status = api::ScheduleStatus::PENDING;
  task.taskEvents = {event};
  absl::StatusOr<NamedJson> natural =
      TJsonStructToNatural(ApiIdl(), "ScheduledTask", SerializeJson(task));
  ASSERT_THAT(natural, IsOk());
  EXPECT_EQ((*natural)["status"], "RUNNING");
  EXPECT_EQ((*natural)["assignedTask"]["assignedPorts"], NamedJson::parse(R"({"http": 31000})"));
  EXPECT_EQ((*natural)["assignedTask"]["instanceId"], 2);
  EXPECT_EQ((*natural)["taskEvents"], NamedJson::parse(R"([{"timestamp": 1733360000123,
                                                           "status": "PENDING"}])"));
  // Fields come in IDL order.
  EXPECT_EQ(natural->begin().key(), "assignedTask");
}

std::string TJsonMessage(const std::function<void(apache::thrift::protocol::TProtocol*)>& write) {
  auto buffer = std::make_shared<apache::thrift::transport::TMemoryBuffer>();
  apache::thrift::protocol::TJSONProtocol protocol(buffer);
  write(&protocol);
  return buffer->getBufferAsString();
}

TEST(NamedJsonApiTest, CallIsReadByTheGeneratedProcessorTypes) {
  const IdlMethod& m = *ApiIdl().FindMethod("getTasksStatus");
  absl::StatusOr<std::string> call = NamedCallToTJson(
      ApiIdl(), m,
      NamedJson::parse(R"({"query": {
          "role": "www-data", "statuses": ["RUNNING", "PENDING"], "instanceIds": [0, 2],
          "jobKeys": [{"role": "r", "environment": "e", "name": "n"}]}})"));
  ASSERT_THAT(call, IsOk());
  auto buffer = std::make_shared<apache::thrift::transport::TMemoryBuffer>();
  buffer->write(reinterpret_cast<const uint8_t*>(call->data()),
                static_cast<uint32_t>(call->size()));
  apache::thrift::protocol::TJSONProtocol protocol(buffer);
  std::string name;
  apache::thrift::protocol::TMessageType type;
  int32_t seqid = -1;
  protocol.readMessageBegin(name, type, seqid);
  EXPECT_EQ(name, "getTasksStatus");
  EXPECT_EQ(type, apache::thrift::protocol::T_CALL);
  api::ReadOnlyScheduler_getTasksStatus_args args;
  args.read(&protocol);
  EXPECT_EQ(args.query.role, "www-data");
  EXPECT_EQ(args.query.statuses, (std::set<api::ScheduleStatus::type>{
                                     api::ScheduleStatus::RUNNING, api::ScheduleStatus::PENDING}));
  EXPECT_EQ(args.query.instanceIds, (std::set<int32_t>{0, 2}));
  EXPECT_EQ(args.query.jobKeys.begin()->name, "n");
  EXPECT_FALSE(args.query.__isset.jobName);
}

TEST(NamedJsonApiTest, ReplyBecomesNaturalResponse) {
  const IdlMethod& m = *ApiIdl().FindMethod("getJobSummary");
  api::ReadOnlyScheduler_getJobSummary_result result;
  result.success.responseCode = api::ResponseCode::OK;
  result.success.serverInfo.clusterName = "devcluster";
  api::RoleSummary summary;
  api::JobSummaryResult jobs;
  api::JobSummary js;
  js.job.key.name = "web";
  js.stats.activeTaskCount = 3;
  jobs.summaries.insert(js);
  result.success.result.__set_jobSummaryResult(jobs);
  result.success.__isset.result = true;
  result.__isset.success = true;
  const std::string reply = TJsonMessage([&](apache::thrift::protocol::TProtocol* p) {
    p->writeMessageBegin("getJobSummary", apache::thrift::protocol::T_REPLY, 0);
    result.write(p);
    p->writeMessageEnd();
  });
  absl::StatusOr<NamedJson> natural = TJsonReplyToNatural(ApiIdl(), m, reply);
  ASSERT_THAT(natural, IsOk());
  EXPECT_EQ((*natural)["responseCode"], "OK");
  EXPECT_EQ((*natural)["serverInfo"]["clusterName"], "devcluster");
  const NamedJson& summaries = (*natural)["result"]["jobSummaryResult"]["summaries"];
  ASSERT_EQ(summaries.size(), 1u);
  EXPECT_EQ(summaries[0]["job"]["key"]["name"], "web");
  EXPECT_EQ(summaries[0]["stats"]["activeTaskCount"], 3);
  EXPECT_EQ((*natural)["details"], NamedJson::array());
}

TEST(NamedJsonApiTest, ExceptionsAndForeignRepliesAreErrors) {
  const IdlMethod& m = *ApiIdl().FindMethod("getJobSummary");
  const std::string exception = TJsonMessage([](apache::thrift::protocol::TProtocol* p) {
    p->writeMessageBegin("getJobSummary", apache::thrift::protocol::T_EXCEPTION, 0);
    apache::thrift::TApplicationException("boom").write(p);
    p->writeMessageEnd();
  });
  absl::StatusOr<NamedJson> natural = TJsonReplyToNatural(ApiIdl(), m, exception);
  EXPECT_EQ(natural.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(natural.status().message(), "getJobSummary failed: boom");
  natural = TJsonReplyToNatural(ApiIdl(), m, R"([1,"getJobs",2,0,{}])");
  EXPECT_EQ(natural.status().code(), absl::StatusCode::kInvalidArgument);
  natural = TJsonReplyToNatural(ApiIdl(), m, "{");
  EXPECT_EQ(natural.status().code(), absl::StatusCode::kInvalidArgument);
  natural = TJsonReplyToNatural(ApiIdl(), m,
                                R"([1,"getJobSummary",2,0,{"0":{"rec":{"1":{"str":"x"}}}}])");
  EXPECT_THAT(natural.status().message(), HasSubstr("success.responseCode: malformed TJSON"));
}

}  // namespace
}  // namespace borealis::wire
