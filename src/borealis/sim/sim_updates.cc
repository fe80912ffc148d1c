#include "borealis/sim/sim_updates.h"

#include <set>

#include "absl/strings/str_cat.h"

namespace borealis::sim {

api::JobUpdateRequest MakeUpdateRequest(const api::JobConfiguration& job, const UpdateSpec& spec) {
  api::TaskConfig task = job.taskConfig;
  if (spec.change == "cpus") {
    std::set<api::Resource> resources;
    for (api::Resource r : task.resources) {
      if (r.__isset.numCpus) r.__set_numCpus(static_cast<double>(spec.milli_cpus) / 1000.0);
      resources.insert(r);
    }
    task.__set_resources(resources);
  } else {  // "command": what a new command line changes, the executor's data
    api::ExecutorConfig executor = task.executorConfig;
    executor.__set_data(absl::StrCat(R"({"sim_update": ")", spec.job, "@", spec.at_ms, R"("})"));
    task.__set_executorConfig(executor);
  }
  api::JobUpdateSettings settings;
  settings.__set_maxPerInstanceFailures(spec.max_per_instance_failures);
  settings.__set_maxFailedInstances(spec.max_failed_instances);
  settings.__set_minWaitInInstanceRunningMs(static_cast<int32_t>(spec.watch_ms));
  settings.__set_rollbackOnFailure(true);
  api::BatchJobUpdateStrategy batch;
  batch.__set_groupSize(spec.batch_size);
  api::JobUpdateStrategy strategy;
  strategy.__set_batchStrategy(batch);
  settings.__set_updateStrategy(strategy);
  api::JobUpdateRequest request;
  request.__set_taskConfig(task);
  request.__set_instanceCount(job.instanceCount);
  request.__set_settings(settings);
  return request;
}

void AddUpdatesJson(const std::vector<UpdateResult>& updates, double controller_seconds,
                    int64_t instance_events, nlohmann::ordered_json* out) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const UpdateResult& u : updates) {
    nlohmann::ordered_json j;
    j["job"] = u.job;
    j["outcome"] = u.outcome;
    j["instances"] = u.instances;
    j["status"] = u.status;
    j["start_simulated_seconds"] = static_cast<double>(u.start_sim_ms) / 1000.0;
    const bool ended = u.end_sim_ms >= 0;
    j["simulated_seconds"] =
        ended ? static_cast<double>(u.end_sim_ms - u.start_sim_ms) / 1000.0 : -1.0;
    j["wall_seconds"] =
        ended ? static_cast<double>(u.end_wall_ns - u.start_wall_ns) / 1e9 : -1.0;
    j["start_call_seconds"] = u.start_call_seconds;
    j["instance_events"] = u.instance_events;
    const bool created = u.create_end_sim_ms >= 0;
    j["create_simulated_seconds"] =
        created ? static_cast<double>(u.create_end_sim_ms - u.create_start_sim_ms) / 1000.0 : -1.0;
    j["create_wall_seconds"] =
        created ? static_cast<double>(u.create_end_wall_ns - u.create_start_wall_ns) / 1e9 : -1.0;
    j["update_vs_create_wall"] = ended && created && u.create_end_wall_ns > u.create_start_wall_ns
                                     ? static_cast<double>(u.end_wall_ns - u.start_wall_ns) /
                                           static_cast<double>(u.create_end_wall_ns -
                                                               u.create_start_wall_ns)
                                     : -1.0;
    list.push_back(std::move(j));
  }
  (*out)["updates"] = std::move(list);
  (*out)["update_controller_seconds"] = controller_seconds;
  (*out)["update_instance_events"] = instance_events;
  (*out)["update_controller_us_per_transition"] =
      instance_events > 0 ? controller_seconds * 1e6 / static_cast<double>(instance_events) : 0;
}

}  // namespace borealis::sim
