// Field-path prefixing of decoder errors.
#include "borealis/wire/field_path.h"

#include <gtest/gtest.h>

namespace borealis::wire {
namespace {

TEST(FieldPathTest, Prefixes) {
  EXPECT_EQ(FieldError("job", "missing").message(), "job: missing");
  EXPECT_EQ(InField("taskConfig", FieldError("job", "missing")).message(),
            "taskConfig.job: missing");
  EXPECT_EQ(InField("status", absl::InvalidArgumentError("unknown value 4")).message(),
            "status: unknown value 4");
  EXPECT_EQ(InField("tasks", FieldError("[3].status", "bad")).message(), "tasks[3].status: bad");
  EXPECT_EQ(InField("x", absl::NotFoundError("y")).code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(InField("x", absl::OkStatus()).ok());
  absl::StatusOr<int> value = 3;
  EXPECT_EQ(*InField("x", value), 3);
}

}  // namespace
}  // namespace borealis::wire
