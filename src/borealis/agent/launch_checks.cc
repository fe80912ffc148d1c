#include "borealis/agent/launch_checks.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace borealis::agent {

absl::Status CheckLaunchable(const api::TaskConfig& task) {
  const api::Container& container = task.container;
  if (container.__isset.docker) {
    return absl::FailedPreconditionError(
        absl::StrCat("docker containers are not supported yet by borealis-agent (image '",
                     container.docker.image, "')"));
  }
  const api::MesosContainer& mesos = container.mesos;
  if (mesos.__isset.image) {
    const std::string image = mesos.image.__isset.docker
                                  ? absl::StrCat("docker image '", mesos.image.docker.name,
                                                 ":", mesos.image.docker.tag, "'")
                                  : absl::StrCat("appc image '", mesos.image.appc.name, "'");
    return absl::FailedPreconditionError(absl::StrCat(
        "container images are not supported yet by borealis-agent (mesos container with ",
        image, ")"));
  }
  if (!mesos.volumes.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "container volumes are not supported yet by borealis-agent (mesos container with ",
        mesos.volumes.size(), " volume(s), the first at '", mesos.volumes[0].containerPath,
        "')"));
  }
  return absl::OkStatus();
}

}  // namespace borealis::agent
