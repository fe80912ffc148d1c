// Container: how a task's processes are contained (Thrift Container), either the default
// Mesos containerizer, optionally with an image and volumes, or Docker. Plain values;
// lists keep the order they were given in.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace borealis::model {

// A container image for the Mesos containerizer: Docker (name:tag) or AppC (name, id).
struct DockerImage {
  std::string name;
  std::string tag;
  bool operator==(const DockerImage&) const = default;
};

struct AppcImage {
  std::string name;
  std::string image_id;
  bool operator==(const AppcImage&) const = default;
};

using ContainerImage = std::variant<DockerImage, AppcImage>;

enum class VolumeMode : int { kReadWrite = 1, kReadOnly = 2 };  // Thrift Mode values

struct Volume {
  std::string container_path;
  std::string host_path;
  VolumeMode mode = VolumeMode::kReadOnly;
  bool operator==(const Volume&) const = default;
};

// The default containerizer, optionally with an image and volumes (Thrift MesosContainer).
struct MesosContainer {
  std::optional<ContainerImage> image;
  std::vector<Volume> volumes;  // in the order given
  bool operator==(const MesosContainer&) const = default;
};

struct DockerParameter {
  std::string name;
  std::string value;
  bool operator==(const DockerParameter&) const = default;
};

struct DockerContainer {
  std::string image;
  std::vector<DockerParameter> parameters;  // in the order given
  bool operator==(const DockerContainer&) const = default;
};

// Thrift Container; the default is a plain Mesos container.
using Container = std::variant<MesosContainer, DockerContainer>;

}  // namespace borealis::model
