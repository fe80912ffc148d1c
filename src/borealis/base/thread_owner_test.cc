// ThreadOwner: the first checked call binds it, the owner may call as often as it likes,
// any other thread aborts with the owner's name; CheckIfBound does not bind, and a
// SetUpScope leaves an unbound owner unbound.
#include "borealis/base/thread_owner.h"

#include <gtest/gtest.h>

#include <thread>

namespace borealis::base {
namespace {

// Runs `fn` on a thread of its own and waits for it.
template <typename Fn>
void OnOtherThread(Fn fn) {
  std::thread t(fn);
  t.join();
}

TEST(ThreadOwnerTest, TheOwnerMayCallAgainAndAgain) {
  ThreadOwner owner("Widget");
  owner.Check();
  owner.Check();
  owner.CheckIfBound();
  EXPECT_STREQ(owner.what(), "Widget");
}

TEST(ThreadOwnerTest, CheckIfBoundLeavesAnUnboundOwnerFree) {
  ThreadOwner owner("Widget");
  OnOtherThread([&] { owner.CheckIfBound(); });  // set-up on a starting thread
  owner.Check();                                 // this thread takes over
  owner.Check();
}

TEST(ThreadOwnerTest, ASetUpScopeLeavesAnUnboundOwnerUnbound) {
  ThreadOwner owner("Widget");
  OnOtherThread([&] {  // recovery on the starting thread, which calls checked methods
    ThreadOwner::SetUpScope set_up(owner);
    owner.Check();
  });
  owner.Check();  // the loop thread takes over
  {
    ThreadOwner::SetUpScope again(owner);  // on the owner: allowed, and it stays the owner
  }
  owner.Check();
}

TEST(ThreadOwnerDeathTest, ASetUpScopeOnAnotherThreadAbortsOnceBound) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ThreadOwner owner("SchedulerCore");
  owner.Check();
  EXPECT_DEATH(OnOtherThread([&] { ThreadOwner::SetUpScope set_up(owner); }),
               "SchedulerCore called from thread ");
}

TEST(ThreadOwnerDeathTest, AnotherThreadAbortsNamingTheClass) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ThreadOwner owner("SchedulerCore");
  owner.BindToCurrentThread();
  EXPECT_DEATH(OnOtherThread([&] { owner.Check(); }),
               "SchedulerCore called from thread .*, but it belongs to thread ");
}

TEST(ThreadOwnerDeathTest, CheckIfBoundAbortsOnAnotherThreadOnceBound) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ThreadOwner owner("AgentCore");
  owner.Check();
  EXPECT_DEATH(OnOtherThread([&] { owner.CheckIfBound(); }), "AgentCore called from thread ");
}

TEST(ThreadOwnerDeathTest, TwoThreadsCannotBothOwnIt) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ThreadOwner owner("LogPump");
  OnOtherThread([&] { owner.Check(); });
  EXPECT_DEATH(owner.Check(), "LogPump called from thread ");
}

}  // namespace
}  // namespace borealis::base
