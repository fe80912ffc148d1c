// The client end of exec grants (see exec_client.h).
#include "borealis/cli/exec_client.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "borealis/base/status.h"
#include "borealis/base/mutex.h"
#include "borealis/cli/exit_codes.h"
#include "borealis/config/template.h"
#include "borealis/cli/scheduler_client.h"
#include "borealis/net/http_client.h"
#include "borealis/net/url.h"
#include "borealis/net/websocket_client.h"

namespace borealis::cli {
namespace {

constexpr int kHttpTimeoutMs = 30'000;
constexpr char kGrantHeader[] = "X-Borealis-Grant";

// The agent's refusal (HTTP body) as a status of the right class.
absl::Status AgentRefused(const net::HttpResponse& r, const GrantedTask& task) {
  std::string body = r.body;
  while (!body.empty() && body.back() == '\n') body.pop_back();
  const std::string where = absl::StrCat(task.host, " (instance ", task.instance, "): ", body);
  switch (r.status) {
    case 403: return absl::PermissionDeniedError(where);
    case 400:
    case 404: return absl::InvalidArgumentError(where);
    default: return WithExitCode(absl::InternalError(where), kExitCommandFailure);
  }
}

std::string FileTarget(const std::string& path, const std::string& name, bool executor_sandbox) {
  std::string t = absl::StrCat("/exec/file?path=", net::PercentEncode(path, true));
  if (!name.empty()) absl::StrAppend(&t, "&name=", net::PercentEncode(name));
  if (executor_sandbox) absl::StrAppend(&t, "&executor_sandbox=1");
  return t;
}

}  // namespace

absl::StatusOr<std::vector<GrantedTask>> RequestGrants(const CliContext& ctx,
                                                       const InstanceSpec& spec,
                                                       const std::string& action) {
  ASSIGN_OR_RETURN(SchedulerClient client, ClientFor(ctx, spec.key.cluster));
  ASSIGN_OR_RETURN(HttpUri uri, ParseHttpUri(client.uri()));
  nlohmann::json body = {{"role", spec.key.job.role},
                         {"environment", spec.key.job.environment},
                         {"name", spec.key.job.name},
                         {"action", action}};
  if (spec.instances.has_value()) body["instances"] = *spec.instances;
  auto r = net::HttpCall("POST", uri.host, uri.port, uri.path_prefix + "/exec/grant", body.dump(),
                         "application/json", kHttpTimeoutMs);
  if (!r.ok()) {
    return absl::Status(r.status().code(), absl::StrCat("cannot reach the scheduler at ",
                                                        client.uri(), ": ", r.status().message()));
  }
  nlohmann::json doc = nlohmann::json::parse(r->body, nullptr, false);
  if (r->status == 401 || r->status == 403) {
    return absl::PermissionDeniedError(absl::StrCat("the scheduler refused exec grants: ", r->body));
  }
  if (r->status != 200 || !doc.is_object() || !doc.contains("grants")) {
    const std::string why = doc.is_object() && doc.contains("error") ? doc["error"].dump() : r->body;
    return WithExitCode(absl::InternalError(absl::StrCat("the scheduler answered ", r->status,
                                                         " to /exec/grant: ", why)),
                        kExitApiError);
  }
  std::vector<GrantedTask> out;
  try {
    for (const auto& g : doc["grants"]) {
      GrantedTask t;
      t.instance = g.at("instance").get<int32_t>();
      t.task_id = g.at("task_id").get<std::string>();
      t.host = g.at("host").get<std::string>();
      t.agent_id = g.at("agent_id").get<std::string>();
      t.http_port = g.at("http_port").get<int>();
      t.ports = g.value("ports", std::map<std::string, int32_t>{});
      t.grant = g.value("grant", "");
      out.push_back(std::move(t));
    }
  } catch (const nlohmann::json::exception& e) {
    return WithExitCode(absl::InternalError(absl::StrCat("bad /exec/grant answer: ", e.what())),
                        kExitApiError);
  }
  return out;
}

absl::StatusOr<std::string> SubstituteTaskTemplates(const std::string& command,
                                                    const GrantedTask& task) {
  config::RuntimeContext context;
  context.instance = task.instance;
  context.hostname = task.host;
  context.task_id = task.task_id;
  for (const auto& [name, port] : task.ports) context.ports[name] = port;
  return config::ResolveRuntimeTemplates(command, context);
}

absl::StatusOr<int> RunOnAgent(const GrantedTask& task, const RemoteCommand& command,
                               const RemoteIo& io) {
  struct State {
    base::Mutex mu;
    base::CondVar cv;
    bool ended ABSL_GUARDED_BY(mu) = false;
    std::optional<int> exit_code ABSL_GUARDED_BY(mu);
    std::string error ABSL_GUARDED_BY(mu);
  };
  auto state = std::make_shared<State>();
  net::WebSocketClient::Handlers handlers;
  handlers.on_message = [state, &io](std::string frame) {
    if (frame.empty()) return;
    if (frame[0] == 'o') {
      if (io.on_output) io.on_output(frame.substr(1));
    } else if (frame[0] == 'x') {
      nlohmann::json j = nlohmann::json::parse(frame.substr(1), nullptr, false);
      base::MutexLock lock(&state->mu);
      if (j.is_object()) {
        state->exit_code = j.value("exit_code", -1);
        state->error = j.value("error", "");
      }
    }
  };
  handlers.on_close = [state](absl::Status) {
    base::MutexLock lock(&state->mu);
    state->ended = true;
    state->cv.SignalAll();
  };
  auto ws = net::WebSocketClient::Connect(task.host, task.http_port, "/exec/v1", handlers,
                                          kHttpTimeoutMs);
  if (!ws.ok()) {
    return absl::UnavailableError(absl::StrCat("cannot reach the agent on ", task.host, ":",
                                               task.http_port, ": ", ws.status().message()));
  }
  nlohmann::json start = {{"grant", task.grant},         {"action", command.action},
                          {"command", command.command},  {"pty", command.pty},
                          {"rows", command.rows},        {"cols", command.cols},
                          {"term", command.term},        {"executor_sandbox", command.executor_sandbox},
                          {"timeout_ms", command.timeout_ms}};
  RETURN_IF_ERROR((*ws)->Send(start.dump()));
  if (io.feed) {
    auto send = [&ws](std::string frame) { (void)(*ws)->Send(std::move(frame)); };
    auto ended = [state] {
      base::MutexLock lock(&state->mu);
      return state->ended;
    };
    io.feed(send, ended);
  }
  base::MutexLock lock(&state->mu);
  while (!state->ended) state->cv.Wait(&state->mu);
  if (!state->exit_code.has_value()) {
    return absl::UnavailableError(
        absl::StrCat("the connection to the agent on ", task.host, " ended before the command did"));
  }
  if (*state->exit_code < 0) {
    const std::string where = absl::StrCat(task.host, " (instance ", task.instance, "): ", state->error);
    if (state->error.find("grant refused") != std::string::npos) {
      return absl::PermissionDeniedError(where);
    }
    return WithExitCode(absl::InternalError(where), kExitCommandFailure);
  }
  if (!state->error.empty() && io.on_output) io.on_output("[borealis: " + state->error + "]\n");
  return *state->exit_code;
}

absl::StatusOr<std::string> ReadSandboxFile(const GrantedTask& task, const std::string& path,
                                            bool executor_sandbox) {
  auto r = net::HttpCall("GET", task.host, task.http_port, FileTarget(path, "", executor_sandbox),
                         "", "", kHttpTimeoutMs, {{kGrantHeader, task.grant}});
  if (!r.ok()) return r.status();
  if (r->status != 200) return AgentRefused(*r, task);
  return std::move(r->body);
}

absl::Status WriteSandboxFile(const GrantedTask& task, const std::string& path,
                              const std::string& name, const std::string& data,
                              bool executor_sandbox) {
  auto r = net::HttpCall("PUT", task.host, task.http_port, FileTarget(path, name, executor_sandbox),
                         data, "application/octet-stream", kHttpTimeoutMs,
                         {{kGrantHeader, task.grant}});
  if (!r.ok()) return r.status();
  if (r->status != 200) return AgentRefused(*r, task);
  return absl::OkStatus();
}

}  // namespace borealis::cli
