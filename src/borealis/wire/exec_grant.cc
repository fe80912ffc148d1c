// Exec grants (see exec_grant.h).
#include "borealis/wire/exec_grant.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace borealis::wire {
namespace {

constexpr char kPrefix[] = "bg1.";
constexpr char kVersion[] = "borealis-exec-grant-1";

std::string Hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

bool Unhex(std::string_view hex, std::string* out) {
  if (hex.size() % 2 != 0) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  out->clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]);
    int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
  }
  return true;
}

std::string Payload(const ExecGrant& g) {
  return absl::StrCat(kVersion, "\n", g.task_id, "\n", g.agent_id, "\n", g.action, "\n",
                      g.expires_ms, "\n", g.nonce);
}

absl::Status Denied(std::string_view why) {
  return absl::PermissionDeniedError(absl::StrCat("exec grant refused: ", std::string(why)));
}

}  // namespace

bool IsExecAction(std::string_view action) {
  return action == "run" || action == "ssh" || action == "scp";
}

std::string DeriveAgentExecKey(std::string_view master_key, std::string_view agent_id) {
  return Hmac(master_key, absl::StrCat("borealis-exec-agent-key\n", std::string(agent_id)));
}

absl::StatusOr<std::string> SignExecGrant(const ExecGrant& grant, std::string_view agent_key) {
  struct Field {
    const char* name;
    const std::string* value;
  };
  for (const Field& f : {Field{"task_id", &grant.task_id}, Field{"agent_id", &grant.agent_id},
                         Field{"action", &grant.action}, Field{"nonce", &grant.nonce}}) {
    if (f.value->empty()) return absl::InvalidArgumentError(absl::StrCat(f.name, ": empty"));
    if (f.value->find('\n') != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(f.name, ": holds a newline"));
    }
  }
  if (!IsExecAction(grant.action)) {
    return absl::InvalidArgumentError(absl::StrCat("action: unknown '", grant.action, "'"));
  }
  if (agent_key.empty()) return absl::InvalidArgumentError("agent key: empty");
  const std::string payload = Payload(grant);
  return absl::StrCat(kPrefix, Hex(payload), ".", Hex(Hmac(agent_key, payload)));
}

absl::StatusOr<ExecGrant> VerifyExecGrant(std::string_view token, std::string_view agent_key,
                                          const ExecGrantCheck& check) {
  if (agent_key.empty()) return Denied("this agent has no key from the scheduler yet");
  if (token.substr(0, sizeof(kPrefix) - 1) != kPrefix) return Denied("malformed");
  token.remove_prefix(sizeof(kPrefix) - 1);
  const size_t dot = token.find('.');
  if (dot == std::string_view::npos) return Denied("malformed");
  std::string payload, signature;
  if (!Unhex(token.substr(0, dot), &payload) || !Unhex(token.substr(dot + 1), &signature)) {
    return Denied("malformed");
  }
  const std::string expected = Hmac(agent_key, payload);
  if (signature.size() != expected.size() ||
      CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) != 0) {
    return Denied("bad signature");
  }
  std::vector<std::string> fields = absl::StrSplit(payload, '\n');
  ExecGrant g;
  if (fields.size() != 6 || fields[0] != kVersion || !absl::SimpleAtoi(fields[4], &g.expires_ms)) {
    return Denied("malformed");
  }
  g.task_id = fields[1];
  g.agent_id = fields[2];
  g.action = fields[3];
  g.nonce = fields[5];
  if (g.agent_id != check.agent_id) return Denied("the grant is for another agent");
  if (g.action != check.action) return Denied(absl::StrCat("the grant is for action '", g.action, "'"));
  if (check.now_ms >= g.expires_ms) return Denied("expired");
  if (g.expires_ms - check.now_ms > check.max_lifetime_ms) {
    return Denied("expiry too far ahead");
  }
  return g;
}

}  // namespace borealis::wire
