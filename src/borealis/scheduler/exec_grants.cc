// POST /exec/grant (see exec_grants.h).
#include "borealis/scheduler/exec_grants.h"

#include <nlohmann/json.hpp>
#include <initializer_list>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "borealis/model/schedule_status.h"
#include "borealis/wire/exec_grant.h"

namespace borealis::scheduler {
namespace {

net::HttpResponse JsonError(int status, const std::string& message) {
  return net::HttpResponse::Of(status, "application/json",
                               nlohmann::json{{"error", message}}.dump());
}

struct GrantRequest {
  model::JobKey job;
  std::set<int32_t> instances;
  std::string action;
};

// The request's fields, or a message naming the bad one.
std::string ParseRequest(const std::string& body, GrantRequest* out) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return "the body must be a JSON object";
  using Field = std::pair<const char*, std::string*>;
  for (const auto& [field, target] :
       std::initializer_list<Field>{{"role", &out->job.role},
                                    {"environment", &out->job.environment},
                                    {"name", &out->job.name},
                                    {"action", &out->action}}) {
    auto it = doc.find(field);
    if (it == doc.end() || !it->is_string() || it->get<std::string>().empty()) {
      return absl::StrCat(field, ": expected a non-empty string");
    }
    *target = it->get<std::string>();
  }
  if (!wire::IsExecAction(out->action) && out->action != "locate") {
    return absl::StrCat("action: unknown '", out->action, "' (run, ssh, scp or locate)");
  }
  if (auto it = doc.find("instances"); it != doc.end()) {
    if (!it->is_array()) return "instances: expected a list of instance ids";
    for (const auto& i : *it) {
      if (!i.is_number_integer() || i.get<int64_t>() < 0 || i.get<int64_t>() > INT32_MAX) {
        return "instances: expected a list of instance ids";
      }
      out->instances.insert(static_cast<int32_t>(i.get<int64_t>()));
    }
  }
  return "";
}

}  // namespace

net::HttpResponse ServeExecGrant(const SchedulerView& view, const net::HttpRequest& request,
                                 const ExecGrantContext& context) {
  GrantRequest req;
  if (std::string bad = ParseRequest(request.body, &req); !bad.empty()) return JsonError(400, bad);
  if (context.master_key.empty()) return JsonError(503, "exec grants are turned off");
  nlohmann::json grants = nlohmann::json::array();
  const state::TaskTable::JobTasks* tasks = view.tasks ? view.tasks->Job(req.job) : nullptr;
  std::map<int32_t, nlohmann::json> by_instance;
  if (tasks != nullptr) {
    for (const auto& [id, task] : *tasks) {
      if (!model::IsLive(task->status)) continue;
      if (!req.instances.empty() && !req.instances.count(task->instance_id)) continue;
      auto agent = view.agents->find(task->agent_id);
      if (agent == view.agents->end() || !agent->second.registered ||
          agent->second.info->http_port <= 0) {
        continue;
      }
      nlohmann::json entry = {{"instance", task->instance_id},
                              {"task_id", task->task_id.str()},
                              {"host", task->agent_host},
                              {"agent_id", task->agent_id.str()},
                              {"http_port", agent->second.info->http_port},
                              {"ports", task->assigned_ports}};
      if (req.action != "locate") {
        wire::ExecGrant grant{task->task_id.str(), task->agent_id.str(), req.action,
                              context.now_ms + wire::kExecGrantLifetimeMs, context.nonce()};
        auto token = wire::SignExecGrant(
            grant, wire::DeriveAgentExecKey(context.master_key, task->agent_id.str()));
        if (!token.ok()) return JsonError(500, std::string(token.status().message()));
        entry["grant"] = *token;
        entry["expires_ms"] = grant.expires_ms;
      }
      by_instance[task->instance_id] = std::move(entry);
    }
  }
  for (auto& [instance, g] : by_instance) grants.push_back(std::move(g));
  return net::HttpResponse::Of(200, "application/json",
                               nlohmann::json{{"grants", grants}}.dump());
}

}  // namespace borealis::scheduler
