// Exec grants: the short-lived, signed permission the scheduler gives a client to run a
// command in (or copy files to and from) one task's sandbox through that task's agent
// (docs/architecture/exec-grants.md).
//
// The scheduler holds a random master key; each agent gets its own key, derived from the
// master key and its agent id, in the reply to its registration. A grant names the task,
// the agent, the action ("run", "ssh" or "scp"), an expiry and a random nonce, and carries
// an HMAC-SHA256 over those fields with the agent's key. The agent checks the signature
// with its key, then the agent id, the action, the expiry and that the task is active on
// it. A grant may be presented again until it expires (replay within the expiry is
// allowed: `task scp` uses one grant for several files); its life is short
// (kExecGrantLifetimeMs) and the agent refuses a grant whose expiry lies further ahead.
//
// Token: "bg1." + hex(payload) + "." + hex(hmac), payload = the fields joined by '\n'
// in a fixed order (version, task, agent, action, expiry, nonce). No field may hold '\n'.
//
// Thread contract: pure functions, safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace borealis::wire {

inline constexpr int64_t kExecGrantLifetimeMs = 60'000;

struct ExecGrant {
  std::string task_id;
  std::string agent_id;
  std::string action;  // "run", "ssh" or "scp"
  int64_t expires_ms = 0;
  std::string nonce;  // random, hex; makes each grant's token unique
  bool operator==(const ExecGrant&) const = default;
};

// True for the actions a grant may name.
bool IsExecAction(std::string_view action);

// HMAC-SHA256(master_key, "borealis-exec-agent-key\n" + agent_id): the key the scheduler
// hands the agent `agent_id`. 32 raw bytes.
std::string DeriveAgentExecKey(std::string_view master_key, std::string_view agent_id);

// The token for `grant`, signed with `agent_key`. InvalidArgument naming the field when a
// field is empty or holds a newline, or the action is unknown.
absl::StatusOr<std::string> SignExecGrant(const ExecGrant& grant, std::string_view agent_key);

// What the verifier expects.
struct ExecGrantCheck {
  std::string agent_id;  // this agent
  std::string action;    // what the client asks to do
  int64_t now_ms = 0;
  int64_t max_lifetime_ms = kExecGrantLifetimeMs;
};

// The grant in `token` if its signature is `agent_key`'s and it names this agent and
// action and has not expired; PermissionDenied with the reason otherwise ("malformed",
// "bad signature", "for another agent", "for action X", "expired"). Whether the task is
// active on this agent is the caller's check.
absl::StatusOr<ExecGrant> VerifyExecGrant(std::string_view token, std::string_view agent_key,
                                          const ExecGrantCheck& check);

}  // namespace borealis::wire
