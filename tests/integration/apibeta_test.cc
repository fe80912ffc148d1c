// The /apibeta JSON API against a real scheduler and agent: a job created with the CLI is
// read back by parameter name, a job is created from the JobConfiguration that getJobs
// returned, bad requests get Aurora's statuses, and the Bypass-Leader-Redirect header is
// served normally (there is one scheduler, and it leads).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "borealis/net/http_client.h"
#include "harness.h"

namespace borealis::integration {
namespace {

using Json = nlohmann::ordered_json;

constexpr char kWebJob[] = R"({
  "name": "web", "role": "www-data", "environment": "devel", "cluster": "devcluster",
  "instances": 1, "service": true,
  "task": {
    "name": "web",
    "processes": [{"name": "server", "cmdline": "while true; do sleep 1; done"}],
    "resources": {"cpu": 0.1, "ram": 16777216, "disk": 16777216}
  }
})";

struct Reply {
  int status = 0;
  std::string content_type;
  std::string body;
  Json json;  // the body parsed, or discarded when it is not JSON
};

class ApiBetaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.StartScheduler();
    cluster_.StartAgent(0);
    const std::string job_file = cluster_.WriteJobFile("web.json", kWebJob);
    CommandResult r = cluster_.Cli({"job", "create", "devcluster/www-data/devel/web", job_file,
                                    "--read-json", "--wait-until", "RUNNING"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }

  Reply Call(const std::string& method, const std::string& target, const std::string& body,
             const std::string& content_type = "application/json",
             const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    absl::StatusOr<net::HttpResponse> r =
        net::HttpCall(method, "127.0.0.1", cluster_.scheduler_port(), target, body, content_type,
                      30'000, headers);
    Reply out;
    if (!r.ok()) {
      ADD_FAILURE() << target << ": " << r.status();
      return out;
    }
    out.status = r->status;
    out.content_type = r->content_type;
    out.body = r->body;
    out.json = Json::parse(r->body, nullptr, false);
    return out;
  }

  Reply Post(const std::string& api_method, const Json& params) {
    return Call("POST", "/apibeta/" + api_method, params.dump());
  }

  LocalCluster cluster_;
};

TEST_F(ApiBetaTest, ReadsByParameterNameAndAnswersNaturalJson) {
  Reply summary = Post("getJobSummary", {{"role", "www-data"}});
  ASSERT_EQ(summary.status, 200) << summary.body;
  EXPECT_EQ(summary.content_type, "application/json");
  ASSERT_TRUE(summary.json.is_object()) << summary.body;
  EXPECT_EQ(summary.json["responseCode"], "OK") << summary.body;
  EXPECT_EQ(summary.json["serverInfo"]["clusterName"], "devcluster");
  const Json& summaries = summary.json["result"]["jobSummaryResult"]["summaries"];
  ASSERT_EQ(summaries.size(), 1u) << summary.body;
  EXPECT_EQ(summaries[0]["job"]["key"],
            Json::parse(R"({"role": "www-data", "environment": "devel", "name": "web"})"));
  EXPECT_EQ(summaries[0]["job"]["instanceCount"], 1);
  EXPECT_EQ(summaries[0]["job"]["cronCollisionPolicy"], "KILL_EXISTING");
  EXPECT_EQ(summaries[0]["stats"]["activeTaskCount"], 1);

  Reply tasks = Post("getTasksStatus", Json::parse(R"({"query": {
      "role": "www-data", "environment": "devel", "jobName": "web",
      "statuses": ["RUNNING"], "instanceIds": [0]}})"));
  ASSERT_EQ(tasks.status, 200) << tasks.body;
  EXPECT_EQ(tasks.json["responseCode"], "OK") << tasks.body;
  const Json& list = tasks.json["result"]["scheduleStatusResult"]["tasks"];
  ASSERT_EQ(list.size(), 1u) << tasks.body;
  EXPECT_EQ(list[0]["status"], "RUNNING");
  EXPECT_EQ(list[0]["assignedTask"]["instanceId"], 0);
  EXPECT_EQ(list[0]["assignedTask"]["slaveHost"], cluster_.AgentHost(0));
  EXPECT_EQ(list[0]["assignedTask"]["task"]["job"]["name"], "web");
  EXPECT_TRUE(list[0]["assignedTask"]["task"]["resources"].is_array());
  EXPECT_TRUE(list[0]["assignedTask"]["task"]["resources"][0].size() == 1u)
      << "a Resource union is an object with one member";
  ASSERT_FALSE(list[0]["taskEvents"].empty());
  EXPECT_EQ(list[0]["taskEvents"][0]["status"], "PENDING");
  EXPECT_TRUE(list[0]["taskEvents"][0]["timestamp"].is_number_integer());

  // A query that matches nothing is an empty list, not an error.
  Reply none = Post("getTasksStatus", Json::parse(R"({"query": {"role": "www-data",
      "statuses": ["FAILED"]}})"));
  EXPECT_EQ(none.json["result"]["scheduleStatusResult"]["tasks"], Json::array()) << none.body;
}

TEST_F(ApiBetaTest, CreatesAJobFromTheConfigurationGetJobsReturned) {
  Reply jobs = Post("getJobs", {{"ownerRole", "www-data"}});
  ASSERT_EQ(jobs.status, 200) << jobs.body;
  const Json& configs = jobs.json["result"]["getJobsResult"]["configs"];
  ASSERT_EQ(configs.size(), 1u) << jobs.body;
  Json config = configs[0];
  config["key"]["name"] = "web2";
  config["taskConfig"]["job"]["name"] = "web2";
  Reply created = Post("createJob", {{"description", config}});
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(created.json["responseCode"], "OK") << created.body;
  EXPECT_TRUE(WaitFor(
      [&] {
        auto tasks = cluster_.JobTasks("www-data", "devel", "web2", true);
        return tasks.size() == 1 && tasks[0].status == api::ScheduleStatus::RUNNING;
      },
      30'000));

  // The same configuration again: the scheduler's own refusal, as a Response.
  Reply again = Post("createJob", {{"description", config}});
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json["responseCode"], "INVALID_REQUEST") << again.body;
  EXPECT_FALSE(again.json["details"].empty());
}

TEST_F(ApiBetaTest, BadRequestsGetAurorasStatuses) {
  Reply unknown = Call("POST", "/apibeta/notAMethod", "{}");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.json["responseCode"], "ERROR") << unknown.body;
  EXPECT_EQ(unknown.json["details"][0]["message"], "Method notAMethod does not exist.");

  Reply not_object = Call("POST", "/apibeta/createJob", "\"not an object\"");
  EXPECT_EQ(not_object.status, 400);
  EXPECT_EQ(not_object.json["details"][0]["message"],
            "Request data must be a JSON object of method parameters.");

  Reply bad_json = Call("POST", "/apibeta/createJob", "{this is bad json}");
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_EQ(bad_json.json["responseCode"], "ERROR") << bad_json.body;

  Reply bad_param = Post("createJob", {{"description", "not a job description"}});
  EXPECT_EQ(bad_param.status, 400);
  EXPECT_EQ(bad_param.json["details"][0]["message"],
            "Failed to parse a parameter of createJob: description: expected an object "
            "(JobConfiguration), got \"not a job description\"");

  Reply deep =
      Post("createJob", Json::parse(R"({"description": {"taskConfig": {"priority": "high"}}})"));
  EXPECT_EQ(deep.status, 400);
  EXPECT_EQ(deep.json["details"][0]["message"],
            "Failed to parse a parameter of createJob: description.taskConfig.priority: expected "
            "an integer, got \"high\"");
  // Nothing was created by the refused calls.
  EXPECT_TRUE(Post("getJobs", {{"ownerRole", "www-data"}})
                  .json["result"]["getJobsResult"]["configs"]
                  .size() == 1u);

  Reply index = Call("GET", "/apibeta", "", "");
  EXPECT_EQ(index.status, 200);
  EXPECT_NE(index.body.find("createJob(description: JobConfiguration)\n"), std::string::npos)
      << index.body;
}

TEST_F(ApiBetaTest, BypassLeaderRedirectHeaderIsServedNormally) {
  const std::vector<std::pair<std::string, std::string>> bypass{{"Bypass-Leader-Redirect", "true"}};
  Reply beta = Call("POST", "/apibeta/getRoleSummary", "", "application/json", bypass);
  EXPECT_EQ(beta.status, 200) << beta.body;
  EXPECT_EQ(beta.json["responseCode"], "OK") << beta.body;
  EXPECT_EQ(beta.json["result"]["roleSummaryResult"]["summaries"][0]["role"], "www-data");

  Reply api = Call("POST", "/api", R"([1,"getRoleSummary",1,0,{}])",
                   "application/vnd.apache.thrift.json", bypass);
  EXPECT_EQ(api.status, 200) << api.body;
  // A TJSON reply whose Response (field 0) has responseCode (field 1) OK (1).
  ASSERT_TRUE(api.json.is_array()) << api.body;
  EXPECT_EQ(api.json[1], "getRoleSummary");
  EXPECT_EQ(api.json[4]["0"]["rec"]["1"]["i32"], 1) << api.body;
}

}  // namespace
}  // namespace borealis::integration
