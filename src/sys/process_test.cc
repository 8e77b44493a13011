#include "sys/process.h"

#include <gtest/gtest.h>

namespace mailcert::sys {
namespace {

TEST(Process, CapturesOutputExitCodeAndEnvironment) {
  auto outcome = RealProcessRunner().Run(
      {{"/bin/sh", "-c", "echo out:$GREETING; echo err >&2; cat; exit 3"},
       {{"GREETING", "hello"}},
       "from stdin\n",
       std::chrono::seconds(10)});
  ASSERT_TRUE(outcome) << outcome.error().ToString();
  EXPECT_EQ(outcome->exit_code, 3);
  EXPECT_EQ(outcome->stdout_text, "out:hello\nfrom stdin\n");
  EXPECT_EQ(outcome->stderr_text, "err\n");
}

TEST(Process, MissingProgramAndTimeoutAreErrors) {
  auto missing = RealProcessRunner().Run({{"/nonexistent/program"}, {}, "", std::chrono::seconds(5)});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, util::ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("/nonexistent/program"), std::string::npos);

  auto slow = RealProcessRunner().Run({{"sleep", "5"}, {}, "", std::chrono::milliseconds(200)});
  ASSERT_FALSE(slow);
  EXPECT_EQ(slow.error().code, util::ErrorCode::kTimeout);
}

}  // namespace
}  // namespace mailcert::sys
