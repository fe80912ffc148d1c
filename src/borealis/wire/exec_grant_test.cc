#include "borealis/wire/exec_grant.h"

#include <gtest/gtest.h>

namespace borealis::wire {
namespace {

constexpr char kMaster[] = "master-key-of-the-scheduler-0123";

ExecGrant Grant() {
  return ExecGrant{"www-data-devel-hello-0-abc", "agent-1", "run", 100'000, "00ff11ee"};
}

ExecGrantCheck Check(std::string action = "run", int64_t now_ms = 90'000) {
  return ExecGrantCheck{"agent-1", std::move(action), now_ms};
}

std::string Key(const char* agent = "agent-1") { return DeriveAgentExecKey(kMaster, agent); }

TEST(ExecGrantTest, SignedGrantVerifies) {
  auto token = SignExecGrant(Grant(), Key());
  ASSERT_TRUE(token.ok()) << token.status();
  auto grant = VerifyExecGrant(*token, Key(), Check());
  ASSERT_TRUE(grant.ok()) << grant.status();
  EXPECT_EQ(*grant, Grant());
}

TEST(ExecGrantTest, AgentKeysDifferPerAgentAndMaster) {
  EXPECT_EQ(Key().size(), 32u);
  EXPECT_NE(Key("agent-1"), Key("agent-2"));
  EXPECT_NE(DeriveAgentExecKey("other master", "agent-1"), Key("agent-1"));
}

TEST(ExecGrantTest, ExpiredIsRefused) {
  auto token = SignExecGrant(Grant(), Key());
  ASSERT_TRUE(token.ok());
  auto at_expiry = VerifyExecGrant(*token, Key(), Check("run", 100'000));
  EXPECT_EQ(at_expiry.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(at_expiry.status().message().find("expired"), std::string_view::npos);
  EXPECT_FALSE(VerifyExecGrant(*token, Key(), Check("run", 200'000)).ok());
}

TEST(ExecGrantTest, ExpiryTooFarAheadIsRefused) {
  ExecGrant g = Grant();
  g.expires_ms = 90'000 + kExecGrantLifetimeMs + 1;
  auto token = SignExecGrant(g, Key());
  ASSERT_TRUE(token.ok());
  auto r = VerifyExecGrant(*token, Key(), Check());
  EXPECT_NE(r.status().message().find("too far"), std::string_view::npos) << r.status();
}

TEST(ExecGrantTest, AnotherAgentsGrantIsRefused) {
  // Signed for agent-2 with agent-2's key: agent-1 cannot check it with its own key.
  ExecGrant g = Grant();
  g.agent_id = "agent-2";
  auto token = SignExecGrant(g, Key("agent-2"));
  ASSERT_TRUE(token.ok());
  auto r = VerifyExecGrant(*token, Key("agent-1"), Check());
  EXPECT_NE(r.status().message().find("bad signature"), std::string_view::npos) << r.status();
  // Even with a key that matched, the agent id must be this agent's.
  auto same_key = VerifyExecGrant(*token, Key("agent-2"), Check());
  EXPECT_NE(same_key.status().message().find("another agent"), std::string_view::npos)
      << same_key.status();
}

TEST(ExecGrantTest, WrongActionIsRefused) {
  auto token = SignExecGrant(Grant(), Key());
  ASSERT_TRUE(token.ok());
  auto r = VerifyExecGrant(*token, Key(), Check("scp"));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(r.status().message().find("action 'run'"), std::string_view::npos) << r.status();
}

TEST(ExecGrantTest, TamperedTokenIsRefused) {
  auto token = SignExecGrant(Grant(), Key());
  ASSERT_TRUE(token.ok());
  // Another task id in the payload, the signature kept.
  ExecGrant other = Grant();
  other.task_id = "www-data-devel-hello-1-abc";
  auto other_token = SignExecGrant(other, Key());
  ASSERT_TRUE(other_token.ok());
  const std::string forged =
      other_token->substr(0, other_token->rfind('.')) + token->substr(token->rfind('.'));
  EXPECT_NE(VerifyExecGrant(forged, Key(), Check()).status().message().find("bad signature"),
            std::string_view::npos);
  // A flipped signature digit, a truncated token, garbage.
  std::string flipped = *token;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  EXPECT_FALSE(VerifyExecGrant(flipped, Key(), Check()).ok());
  EXPECT_FALSE(VerifyExecGrant(token->substr(0, token->size() - 2), Key(), Check()).ok());
  EXPECT_FALSE(VerifyExecGrant("bg1.zz.zz", Key(), Check()).ok());
  EXPECT_FALSE(VerifyExecGrant("", Key(), Check()).ok());
}

TEST(ExecGrantTest, ReplayWithinExpiryIsAllowed) {
  // Documented choice: a grant is a bearer permission until it expires (scp reuses it).
  auto token = SignExecGrant(Grant(), Key());
  ASSERT_TRUE(token.ok());
  EXPECT_TRUE(VerifyExecGrant(*token, Key(), Check("run", 90'000)).ok());
  EXPECT_TRUE(VerifyExecGrant(*token, Key(), Check("run", 95'000)).ok());
}

TEST(ExecGrantTest, AgentWithoutKeyRefuses) {
  auto token = SignExecGrant(Grant(), Key());
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(VerifyExecGrant(*token, "", Check()).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(ExecGrantTest, SigningRefusesBadFields) {
  ExecGrant g = Grant();
  g.task_id = "a\nb";
  EXPECT_NE(SignExecGrant(g, Key()).status().message().find("task_id"), std::string_view::npos);
  g = Grant();
  g.action = "rm";
  EXPECT_NE(SignExecGrant(g, Key()).status().message().find("action"), std::string_view::npos);
  g = Grant();
  g.nonce.clear();
  EXPECT_FALSE(SignExecGrant(g, Key()).ok());
  EXPECT_FALSE(SignExecGrant(Grant(), "").ok());
}

}  // namespace
}  // namespace borealis::wire
