// Tests of the status.json encoding (status_file.h): a round trip with every field, and
// documents written by an older executor (no run history, no process groups' ticks).
#include "borealis/executor/status_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace borealis::executor {
namespace {

TEST(StatusFileTest, RoundTripKeepsTheRunHistory) {
  StatusDocument doc;
  doc.task_id = "task-1";
  doc.executor_pid = 10;
  doc.executor_start_ticks = 12345;
  doc.updates = {{1, "STARTING", "Initializing sandbox", 1000},
                 {2, "RUNNING", "Task running", 1100}};
  ProcessRecord web;
  web.state = "RUNNING";
  web.runs = 3;
  web.pid = 303;
  web.exit_code = 4;
  web.history = {{0, "FAILED", 101, 3, 1100, 1200},
                 {1, "KILLED", 202, 128 + 9, 1200, 1300},
                 {2, "RUNNING", 303, -1, 1300, 0}};
  doc.processes["web"] = web;
  doc.processes["waiting"] = ProcessRecord{"WAITING", 0, 0, -1, {}};
  doc.pgids = {303};
  doc.group_start_ticks = {{303, 777}};

  std::string text = StatusToJson(doc);
  nlohmann::json raw = nlohmann::json::parse(text);
  EXPECT_EQ(raw["processes"]["web"]["history"].size(), 3u);
  EXPECT_EQ(raw["processes"]["web"]["history"][1],
            nlohmann::json({{"run", 1},
                            {"state", "KILLED"},
                            {"pid", 202},
                            {"exit_code", 137},
                            {"start_ms", 1200},
                            {"stop_ms", 1300}}));
  EXPECT_TRUE(raw["processes"]["waiting"]["history"].is_array());

  absl::StatusOr<StatusDocument> parsed = ParseStatusJson(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, doc);
}

TEST(StatusFileTest, ParsesADocumentFromAnOlderExecutor) {
  // As written before run histories and process groups' start ticks.
  constexpr char kOld[] = R"({"task_id": "task-1", "executor_pid": 10,
      "executor_start_ticks": 5,
      "updates": [{"seq": 1, "state": "STARTING", "message": "m", "timestamp_ms": 1000}],
      "processes": {"web": {"state": "FAILED", "runs": 2, "pid": 42, "exit_code": 3}},
      "pgids": []})";
  absl::StatusOr<StatusDocument> parsed = ParseStatusJson(kOld);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->processes.count("web"), 1u);
  const ProcessRecord& web = parsed->processes.at("web");
  EXPECT_EQ(web.state, "FAILED");
  EXPECT_EQ(web.runs, 2);
  EXPECT_EQ(web.pid, 42);
  EXPECT_EQ(web.exit_code, 3);
  EXPECT_TRUE(web.history.empty());
  EXPECT_TRUE(parsed->group_start_ticks.empty());
}

TEST(StatusFileTest, MalformedHistoryIsAnError) {
  constexpr char kBad[] = R"({"task_id": "task-1", "executor_pid": 10,
      "executor_start_ticks": 5, "updates": [],
      "processes": {"web": {"state": "RUNNING", "runs": 1, "pid": 42, "exit_code": -1,
                            "history": [{"run": 0, "state": "RUNNING"}]}},
      "pgids": []})";
  absl::StatusOr<StatusDocument> parsed = ParseStatusJson(kBad);
  EXPECT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace borealis::executor
