// Response building: codes, details, and that SetResult leaves exactly one union member.
#include "borealis/wire/response.h"

#include <gtest/gtest.h>

#include "borealis/wire/codec.h"

namespace borealis::wire {
namespace {

TEST(ResponseTest, MakeResponseCarriesMessage) {
  api::Response r = MakeResponse(api::ResponseCode::INVALID_REQUEST, "job 'a/b/c' not found");
  EXPECT_EQ(r.responseCode, api::ResponseCode::INVALID_REQUEST);
  ASSERT_EQ(r.details.size(), 1u);
  EXPECT_EQ(r.details[0].message, "job 'a/b/c' not found");
  EXPECT_FALSE(r.__isset.result);
  EXPECT_TRUE(OkResponse().details.empty());
}

TEST(ResponseTest, StatusCodesMapToAurora) {
  EXPECT_EQ(ResponseCodeFor(absl::OkStatus()), api::ResponseCode::OK);
  EXPECT_EQ(ResponseCodeFor(absl::NotFoundError("x")), api::ResponseCode::INVALID_REQUEST);
  EXPECT_EQ(ResponseCodeFor(absl::InvalidArgumentError("x")), api::ResponseCode::INVALID_REQUEST);
  EXPECT_EQ(ResponseCodeFor(absl::PermissionDeniedError("x")), api::ResponseCode::AUTH_FAILED);
  EXPECT_EQ(ResponseCodeFor(absl::AbortedError("x")), api::ResponseCode::JOB_UPDATING_ERROR);
  EXPECT_EQ(ResponseCodeFor(absl::UnavailableError("x")), api::ResponseCode::ERROR_TRANSIENT);
  EXPECT_EQ(ResponseCodeFor(absl::InternalError("x")), api::ResponseCode::ERROR);
  api::Response r = ErrorResponse(absl::NotFoundError("task 't1' not found"));
  EXPECT_EQ(r.responseCode, api::ResponseCode::INVALID_REQUEST);
  EXPECT_EQ(r.details.at(0).message, "task 't1' not found");
}

TEST(ResponseTest, SetResultReplacesTheMember) {
  api::Response r = OkResponse();
  SetServerInfo(&r, "devcluster", "http://stats/");
  api::GetJobsResult jobs;
  SetResult(&r, jobs);
  api::PulseJobUpdateResult pulse;
  pulse.__set_status(api::JobUpdatePulseStatus::FINISHED);
  SetResult(&r, pulse);
  EXPECT_TRUE(r.__isset.result);
  EXPECT_TRUE(r.result.__isset.pulseJobUpdateResult);
  EXPECT_FALSE(r.result.__isset.getJobsResult);

  api::Response back;
  ASSERT_TRUE(DeserializeJson(SerializeJson(r), &back).ok());
  EXPECT_TRUE(back == r);
  EXPECT_EQ(back.serverInfo.clusterName, "devcluster");
  EXPECT_EQ(back.result.pulseJobUpdateResult.status, api::JobUpdatePulseStatus::FINISHED);
}

}  // namespace
}  // namespace borealis::wire
