#include "borealis/config/container_sla.h"

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "borealis/base/status.h"
#include "borealis/model/container.h"
#include "borealis/model/sla_policy.h"

namespace borealis::config {
namespace {

using nlohmann::json;

absl::Status Error(const std::string& path, const std::string& problem) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", problem));
}

absl::Status ExpectObject(const json& value, const std::string& path) {
  return value.is_object() ? absl::OkStatus() : Error(path, "expected an object");
}

// Refuses keys of `obj` outside `allowed`.
absl::Status OnlyKeys(const json& obj, const std::string& path,
                      std::initializer_list<const char*> allowed) {
  for (const auto& [key, value] : obj.items()) {
    bool known = false;
    for (const char* a : allowed) known = known || key == a;
    if (!known) return Error(path, absl::StrCat("unknown field '", key, "'"));
  }
  return absl::OkStatus();
}

// A required string; `non_empty` also refuses "".
absl::StatusOr<std::string> GetString(const json& obj, const std::string& path,
                                      const char* key, bool non_empty = true) {
  const std::string field = absl::StrCat(path, ".", key);
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Error(field, "missing");
  if (!it->is_string()) return Error(field, "expected a string");
  std::string value = it->get<std::string>();
  if (non_empty && value.empty()) return Error(field, "must not be empty");
  return value;
}

absl::StatusOr<int64_t> GetInt(const json& obj, const std::string& path, const char* key) {
  const std::string field = absl::StrCat(path, ".", key);
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Error(field, "missing");
  if (it->is_number_unsigned()) {
    if (it->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) return Error(field, "too large");
    return static_cast<int64_t>(it->get<uint64_t>());
  }
  if (!it->is_number_integer()) return Error(field, "expected an integer");
  return it->get<int64_t>();
}

absl::StatusOr<int64_t> GetDuration(const json& obj, const std::string& path) {
  ASSIGN_OR_RETURN(int64_t secs, GetInt(obj, path, "duration_secs"));
  if (secs < 0) {
    return Error(absl::StrCat(path, ".duration_secs"),
                 absl::StrCat("must not be negative, got ", secs));
  }
  return secs;
}

absl::StatusOr<model::DockerContainer> ReadDocker(const json& docker, const std::string& path) {
  RETURN_IF_ERROR(ExpectObject(docker, path));
  RETURN_IF_ERROR(OnlyKeys(docker, path, {"image", "parameters"}));
  model::DockerContainer out;
  ASSIGN_OR_RETURN(out.image, GetString(docker, path, "image"));
  auto params = docker.find("parameters");
  if (params == docker.end() || params->is_null()) return out;
  const std::string params_path = path + ".parameters";
  if (!params->is_array()) return Error(params_path, "expected a list");
  for (size_t i = 0; i < params->size(); ++i) {
    const std::string p = absl::StrCat(params_path, "[", i, "]");
    const json& param = (*params)[i];
    RETURN_IF_ERROR(ExpectObject(param, p));
    RETURN_IF_ERROR(OnlyKeys(param, p, {"name", "value"}));
    model::DockerParameter parameter;
    ASSIGN_OR_RETURN(parameter.name, GetString(param, p, "name"));
    ASSIGN_OR_RETURN(parameter.value, GetString(param, p, "value", /*non_empty=*/false));
    out.parameters.push_back(std::move(parameter));
  }
  return out;
}

absl::StatusOr<model::ContainerImage> ReadImage(const json& image, const std::string& path) {
  RETURN_IF_ERROR(ExpectObject(image, path));
  const bool docker = image.contains("tag");
  const bool appc = image.contains("image_id");
  if (docker == appc) {
    return Error(path, "expected DockerImage {name, tag} or AppcImage {name, image_id}");
  }
  if (docker) {
    RETURN_IF_ERROR(OnlyKeys(image, path, {"name", "tag"}));
    model::DockerImage out;
    ASSIGN_OR_RETURN(out.name, GetString(image, path, "name"));
    ASSIGN_OR_RETURN(out.tag, GetString(image, path, "tag"));
    return out;
  }
  RETURN_IF_ERROR(OnlyKeys(image, path, {"name", "image_id"}));
  model::AppcImage out;
  ASSIGN_OR_RETURN(out.name, GetString(image, path, "name"));
  ASSIGN_OR_RETURN(out.image_id, GetString(image, path, "image_id"));
  return out;
}

absl::StatusOr<model::Volume> ReadVolume(const json& volume, const std::string& path) {
  RETURN_IF_ERROR(ExpectObject(volume, path));
  RETURN_IF_ERROR(OnlyKeys(volume, path, {"container_path", "host_path", "mode"}));
  model::Volume out;
  ASSIGN_OR_RETURN(out.container_path, GetString(volume, path, "container_path"));
  ASSIGN_OR_RETURN(out.host_path, GetString(volume, path, "host_path"));
  auto mode = volume.find("mode");
  const std::string mode_path = path + ".mode";
  if (mode == volume.end() || mode->is_null()) return Error(mode_path, "missing");
  if (*mode == "RO") {
    out.mode = model::VolumeMode::kReadOnly;
  } else if (*mode == "RW") {
    out.mode = model::VolumeMode::kReadWrite;
  } else {
    return Error(mode_path, absl::StrCat("expected \"RO\" or \"RW\", got ", mode->dump()));
  }
  return out;
}

absl::StatusOr<model::MesosContainer> ReadMesos(const json& mesos, const std::string& path) {
  RETURN_IF_ERROR(ExpectObject(mesos, path));
  RETURN_IF_ERROR(OnlyKeys(mesos, path, {"image", "volumes"}));
  model::MesosContainer out;
  if (auto image = mesos.find("image"); image != mesos.end() && !image->is_null()) {
    ASSIGN_OR_RETURN(out.image, ReadImage(*image, path + ".image"));
  }
  auto volumes = mesos.find("volumes");
  if (volumes == mesos.end() || volumes->is_null()) return out;
  const std::string volumes_path = path + ".volumes";
  if (!volumes->is_array()) return Error(volumes_path, "expected a list");
  for (size_t i = 0; i < volumes->size(); ++i) {
    ASSIGN_OR_RETURN(model::Volume v,
                     ReadVolume((*volumes)[i], absl::StrCat(volumes_path, "[", i, "]")));
    out.volumes.push_back(std::move(v));
  }
  return out;
}

absl::StatusOr<model::Container> ReadContainer(const json& container) {
  const std::string path = "container";
  RETURN_IF_ERROR(ExpectObject(container, path));
  if (container.contains("docker")) {  // the deprecated Container {docker} wrapper
    RETURN_IF_ERROR(OnlyKeys(container, path, {"docker"}));
    ASSIGN_OR_RETURN(model::DockerContainer d, ReadDocker(container.at("docker"), path + ".docker"));
    return model::Container(std::move(d));
  }
  if (container.contains("mesos")) {
    RETURN_IF_ERROR(OnlyKeys(container, path, {"mesos"}));
    ASSIGN_OR_RETURN(model::MesosContainer m, ReadMesos(container.at("mesos"), path + ".mesos"));
    return model::Container(std::move(m));
  }
  // Docker names its image with a string, Mesos with a DockerImage/AppcImage object.
  auto image = container.find("image");
  if (image != container.end() && image->is_string()) {
    ASSIGN_OR_RETURN(model::DockerContainer d, ReadDocker(container, path));
    return model::Container(std::move(d));
  }
  ASSIGN_OR_RETURN(model::MesosContainer m, ReadMesos(container, path));
  return model::Container(std::move(m));
}

absl::StatusOr<model::SlaPolicy> ReadSlaPolicy(const json& policy) {
  const std::string path = "sla_policy";
  RETURN_IF_ERROR(ExpectObject(policy, path));
  const int kinds = int{policy.contains("percentage")} + int{policy.contains("count")} +
                    int{policy.contains("coordinator_url")};
  if (kinds != 1) {
    return Error(path,
                 "expected one of PercentageSlaPolicy {percentage, duration_secs}, "
                 "CountSlaPolicy {count, duration_secs}, CoordinatorSlaPolicy "
                 "{coordinator_url, status_key}");
  }
  if (policy.contains("percentage")) {
    RETURN_IF_ERROR(OnlyKeys(policy, path, {"percentage", "duration_secs"}));
    const json& pct = policy.at("percentage");
    if (!pct.is_number()) return Error(path + ".percentage", "expected a number");
    const double p = pct.get<double>();
    if (!std::isfinite(p) || p <= 0 || p > 100) {
      return Error(path + ".percentage", absl::StrCat("must be in (0, 100], got ", pct.dump()));
    }
    ASSIGN_OR_RETURN(int64_t secs, GetDuration(policy, path));
    return model::SlaPolicy(model::PercentageSlaPolicy{p, secs});
  }
  if (policy.contains("count")) {
    RETURN_IF_ERROR(OnlyKeys(policy, path, {"count", "duration_secs"}));
    ASSIGN_OR_RETURN(int64_t count, GetInt(policy, path, "count"));
    if (count <= 0) {
      return Error(path + ".count", absl::StrCat("must be positive, got ", count));
    }
    ASSIGN_OR_RETURN(int64_t secs, GetDuration(policy, path));
    return model::SlaPolicy(model::CountSlaPolicy{count, secs});
  }
  RETURN_IF_ERROR(OnlyKeys(policy, path, {"coordinator_url", "status_key"}));
  model::CoordinatorSlaPolicy out;
  ASSIGN_OR_RETURN(out.coordinator_url, GetString(policy, path, "coordinator_url"));
  if (auto key = policy.find("status_key"); key != policy.end() && !key->is_null()) {
    ASSIGN_OR_RETURN(out.status_key, GetString(policy, path, "status_key"));
  }
  return model::SlaPolicy(std::move(out));
}

}  // namespace

absl::Status FillContainerAndSla(const json& job_json, model::TaskConfig* task) {
  if (!job_json.is_object()) return absl::InvalidArgumentError("job: expected an object");
  model::Container container;
  if (auto it = job_json.find("container"); it != job_json.end() && !it->is_null()) {
    ASSIGN_OR_RETURN(container, ReadContainer(*it));
  }
  std::optional<model::SlaPolicy> sla;
  if (auto it = job_json.find("sla_policy"); it != job_json.end() && !it->is_null()) {
    ASSIGN_OR_RETURN(sla, ReadSlaPolicy(*it));
  }
  task->container = std::move(container);
  task->sla_policy = std::move(sla);
  return absl::OkStatus();
}

}  // namespace borealis::config
