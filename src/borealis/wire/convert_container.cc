// convert.h, containers and SLA policies of a TaskConfig.
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "borealis/base/status.h"
#include "borealis/model/container.h"
#include "borealis/model/sla_policy.h"
#include "borealis/wire/convert.h"
#include "borealis/wire/field_path.h"

namespace borealis::wire {
namespace {

absl::Status NotEmpty(const char* field, const std::string& value) {
  return value.empty() ? FieldError(field, "must not be empty") : absl::OkStatus();
}

absl::Status NotNegative(const char* field, int64_t value) {
  return value < 0 ? FieldError(field, absl::StrCat("must not be negative, got ", value))
                   : absl::OkStatus();
}

api::Image ImageToThrift(const model::ContainerImage& image) {
  api::Image out;
  if (const auto* docker = std::get_if<model::DockerImage>(&image)) {
    api::DockerImage d;
    d.__set_name(docker->name);
    d.__set_tag(docker->tag);
    out.__set_docker(std::move(d));
  } else {
    const auto& appc = std::get<model::AppcImage>(image);
    api::AppcImage a;
    a.__set_name(appc.name);
    a.__set_imageId(appc.image_id);
    out.__set_appc(std::move(a));
  }
  return out;
}

absl::StatusOr<model::ContainerImage> ImageFromThrift(const api::Image& image) {
  if (image.__isset.docker == image.__isset.appc) {
    return absl::InvalidArgumentError(image.__isset.docker ? "both docker and appc are set"
                                                           : "neither docker nor appc is set");
  }
  if (image.__isset.docker) {
    RETURN_IF_ERROR(NotEmpty("docker.name", image.docker.name));
    RETURN_IF_ERROR(NotEmpty("docker.tag", image.docker.tag));
    return model::DockerImage{image.docker.name, image.docker.tag};
  }
  RETURN_IF_ERROR(NotEmpty("appc.name", image.appc.name));
  RETURN_IF_ERROR(NotEmpty("appc.imageId", image.appc.imageId));
  return model::AppcImage{image.appc.name, image.appc.imageId};
}

absl::StatusOr<model::Volume> VolumeFromThrift(const api::Volume& volume) {
  model::Volume v;
  RETURN_IF_ERROR(NotEmpty("containerPath", volume.containerPath));
  RETURN_IF_ERROR(NotEmpty("hostPath", volume.hostPath));
  v.container_path = volume.containerPath;
  v.host_path = volume.hostPath;
  switch (volume.mode) {
    case api::Mode::RW:
      v.mode = model::VolumeMode::kReadWrite;
      break;
    case api::Mode::RO:
      v.mode = model::VolumeMode::kReadOnly;
      break;
    default:
      return FieldError("mode", absl::StrCat("unknown Mode value ", static_cast<int>(volume.mode)));
  }
  return v;
}

absl::StatusOr<model::MesosContainer> MesosFromThrift(const api::MesosContainer& mesos) {
  model::MesosContainer m;
  if (mesos.__isset.image) {
    ASSIGN_OR_RETURN(m.image, InField("image", ImageFromThrift(mesos.image)));
  }
  for (size_t i = 0; i < mesos.volumes.size(); ++i) {
    ASSIGN_OR_RETURN(model::Volume v,
                     InField(absl::StrCat("volumes[", i, "]"), VolumeFromThrift(mesos.volumes[i])));
    m.volumes.push_back(std::move(v));
  }
  return m;
}

absl::StatusOr<model::DockerContainer> DockerFromThrift(const api::DockerContainer& docker) {
  model::DockerContainer d;
  RETURN_IF_ERROR(NotEmpty("image", docker.image));
  d.image = docker.image;
  for (size_t i = 0; i < docker.parameters.size(); ++i) {
    const api::DockerParameter& p = docker.parameters[i];
    RETURN_IF_ERROR(InField(absl::StrCat("parameters[", i, "]"), NotEmpty("name", p.name)));
    d.parameters.push_back(model::DockerParameter{p.name, p.value});
  }
  return d;
}

}  // namespace

api::Container ToThrift(const model::Container& container) {
  api::Container out;
  if (const auto* docker = std::get_if<model::DockerContainer>(&container)) {
    api::DockerContainer d;
    d.__set_image(docker->image);
    std::vector<api::DockerParameter> parameters;
    for (const model::DockerParameter& p : docker->parameters) {
      api::DockerParameter param;
      param.__set_name(p.name);
      param.__set_value(p.value);
      parameters.push_back(std::move(param));
    }
    d.__set_parameters(std::move(parameters));
    out.__set_docker(std::move(d));
    return out;
  }
  const auto& mesos = std::get<model::MesosContainer>(container);
  api::MesosContainer m;
  if (mesos.image) m.__set_image(ImageToThrift(*mesos.image));
  if (!mesos.volumes.empty()) {
    std::vector<api::Volume> volumes;
    for (const model::Volume& v : mesos.volumes) {
      api::Volume volume;
      volume.__set_containerPath(v.container_path);
      volume.__set_hostPath(v.host_path);
      volume.__set_mode(v.mode == model::VolumeMode::kReadWrite ? api::Mode::RW : api::Mode::RO);
      volumes.push_back(std::move(volume));
    }
    m.__set_volumes(std::move(volumes));
  }
  out.__set_mesos(std::move(m));
  return out;
}

absl::StatusOr<model::Container> FromThrift(const api::Container& container) {
  // TaskConfig.container defaults to {mesos: {}} and Thrift's decoders do not clear that
  // default's flag when they read the docker member, so an empty mesos next to docker is
  // the leftover default rather than a second member.
  const bool mesos_empty = !container.mesos.__isset.image && container.mesos.volumes.empty();
  if (container.__isset.mesos && container.__isset.docker && !mesos_empty) {
    return absl::InvalidArgumentError("both mesos and docker are set");
  }
  if (container.__isset.docker) {
    ASSIGN_OR_RETURN(model::DockerContainer d,
                     InField("docker", DockerFromThrift(container.docker)));
    return model::Container(std::move(d));
  }
  // An unset union is the field's default, {mesos: {}}.
  ASSIGN_OR_RETURN(model::MesosContainer m, InField("mesos", MesosFromThrift(container.mesos)));
  return model::Container(std::move(m));
}

api::SlaPolicy ToThrift(const model::SlaPolicy& policy) {
  api::SlaPolicy out;
  if (const auto* p = std::get_if<model::PercentageSlaPolicy>(&policy)) {
    api::PercentageSlaPolicy t;
    t.__set_percentage(p->percentage);
    t.__set_durationSecs(p->duration_secs);
    out.__set_percentageSlaPolicy(std::move(t));
  } else if (const auto* c = std::get_if<model::CountSlaPolicy>(&policy)) {
    api::CountSlaPolicy t;
    t.__set_count(c->count);
    t.__set_durationSecs(c->duration_secs);
    out.__set_countSlaPolicy(std::move(t));
  } else {
    const auto& coordinator = std::get<model::CoordinatorSlaPolicy>(policy);
    api::CoordinatorSlaPolicy t;
    t.__set_coordinatorUrl(coordinator.coordinator_url);
    t.__set_statusKey(coordinator.status_key);
    out.__set_coordinatorSlaPolicy(std::move(t));
  }
  return out;
}

absl::StatusOr<model::SlaPolicy> FromThrift(const api::SlaPolicy& policy) {
  const int members = int{policy.__isset.percentageSlaPolicy} +
                      int{policy.__isset.countSlaPolicy} +
                      int{policy.__isset.coordinatorSlaPolicy};
  if (members != 1) {
    return absl::InvalidArgumentError(members == 0 ? "no policy is set"
                                                   : "more than one policy is set");
  }
  if (policy.__isset.percentageSlaPolicy) {
    const api::PercentageSlaPolicy& p = policy.percentageSlaPolicy;
    if (!std::isfinite(p.percentage) || p.percentage <= 0 || p.percentage > 100) {
      return FieldError("percentageSlaPolicy.percentage",
                        absl::StrCat("must be in (0, 100], got ", p.percentage));
    }
    RETURN_IF_ERROR(NotNegative("percentageSlaPolicy.durationSecs", p.durationSecs));
    return model::SlaPolicy(model::PercentageSlaPolicy{p.percentage, p.durationSecs});
  }
  if (policy.__isset.countSlaPolicy) {
    const api::CountSlaPolicy& c = policy.countSlaPolicy;
    if (c.count <= 0) {
      return FieldError("countSlaPolicy.count", absl::StrCat("must be positive, got ", c.count));
    }
    RETURN_IF_ERROR(NotNegative("countSlaPolicy.durationSecs", c.durationSecs));
    return model::SlaPolicy(model::CountSlaPolicy{c.count, c.durationSecs});
  }
  const api::CoordinatorSlaPolicy& c = policy.coordinatorSlaPolicy;
  RETURN_IF_ERROR(NotEmpty("coordinatorSlaPolicy.coordinatorUrl", c.coordinatorUrl));
  model::CoordinatorSlaPolicy out;
  out.coordinator_url = c.coordinatorUrl;
  if (!c.statusKey.empty()) out.status_key = c.statusKey;  // else the default, "drain"
  return model::SlaPolicy(std::move(out));
}

}  // namespace borealis::wire
