// Definitions of operator< for the generated Thrift structs that are elements of a set<>.
// Thrift's C++ generator declares `bool T::operator<(const T&) const` on every struct but
// defines none, so each struct used in a std::set must get one here or the program does
// not link.
//
// The order only has to be a strict weak order whose equivalence matches equal encodings:
// small structs compare field by field; large ones compare a cheap identifying key first
// (task id, job key, host) and fall back to comparing their TBinaryProtocol encodings,
// which are deterministic because sets and maps encode in sorted order. The order is an
// implementation detail: callers must not rely on it beyond "sets iterate consistently".
// Thread-safe: every comparison uses its own buffer.
#include <compare>
#include <memory>
#include <string>
#include <tuple>

#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include "gen-cpp/api_types.h"
#include "gen-cpp/storage_types.h"

namespace borealis::api {
namespace {

// The TBinaryProtocol encoding of a generated struct.
template <typename T>
std::string EncodeBinary(const T& value) {
  auto buffer = std::make_shared<apache::thrift::transport::TMemoryBuffer>();
  apache::thrift::protocol::TBinaryProtocol protocol(buffer);
  value.write(&protocol);
  return buffer->getBufferAsString();
}

template <typename T>
bool LessByEncoding(const T& a, const T& b) {
  return EncodeBinary(a) < EncodeBinary(b);
}

// Total order on doubles (NaN and -0.0 included), so that sets stay well-formed even
// for values that validation will later reject.
std::strong_ordering CompareDouble(double a, double b) { return std::strong_order(a, b); }

}  // namespace

bool JobKey::operator<(const JobKey& o) const {
  return std::tie(role, environment, name) < std::tie(o.role, o.environment, o.name);
}

bool Range::operator<(const Range& o) const {
  return std::tie(first, last) < std::tie(o.first, o.last);
}

bool Metadata::operator<(const Metadata& o) const {
  return std::tie(key, value) < std::tie(o.key, o.value);
}

bool Attribute::operator<(const Attribute& o) const {
  return std::tie(name, values) < std::tie(o.name, o.values);
}

bool HostStatus::operator<(const HostStatus& o) const {
  return std::tie(host, mode) < std::tie(o.host, o.mode);
}

bool PendingReason::operator<(const PendingReason& o) const {
  return std::tie(taskId, reason) < std::tie(o.taskId, o.reason);
}

bool RoleSummary::operator<(const RoleSummary& o) const {
  return std::tie(role, jobCount, cronJobCount) < std::tie(o.role, o.jobCount, o.cronJobCount);
}

bool TierConfig::operator<(const TierConfig& o) const {
  return std::tie(name, settings) < std::tie(o.name, o.settings);
}

bool JobUpdateKey::operator<(const JobUpdateKey& o) const {
  return std::tie(job, id) < std::tie(o.job, o.id);
}

// A union: order by which member is set (in field-id order), then by that member's value.
// Members that are not set do not take part, matching the generated operator==.
bool Resource::operator<(const Resource& o) const {
  auto mask = [](const _Resource__isset& s) {
    return (s.numCpus ? 1 : 0) | (s.ramMb ? 2 : 0) | (s.diskMb ? 4 : 0) | (s.namedPort ? 8 : 0) |
           (s.numGpus ? 16 : 0);
  };
  const int mine = mask(__isset);
  const int theirs = mask(o.__isset);
  if (mine != theirs) return mine < theirs;
  if (__isset.numCpus) {
    auto c = CompareDouble(numCpus, o.numCpus);
    if (c != 0) return c < 0;
  }
  if (__isset.ramMb && ramMb != o.ramMb) return ramMb < o.ramMb;
  if (__isset.diskMb && diskMb != o.diskMb) return diskMb < o.diskMb;
  if (__isset.namedPort && namedPort != o.namedPort) return namedPort < o.namedPort;
  if (__isset.numGpus && numGpus != o.numGpus) return numGpus < o.numGpus;
  return false;
}

bool Constraint::operator<(const Constraint& o) const {
  if (name != o.name) return name < o.name;
  return LessByEncoding(*this, o);
}

bool MesosFetcherURI::operator<(const MesosFetcherURI& o) const {
  if (value != o.value) return value < o.value;
  return LessByEncoding(*this, o);
}

bool HostAttributes::operator<(const HostAttributes& o) const {
  if (host != o.host) return host < o.host;
  return LessByEncoding(*this, o);
}

bool HostMaintenanceRequest::operator<(const HostMaintenanceRequest& o) const {
  if (host != o.host) return host < o.host;
  return LessByEncoding(*this, o);
}

bool JobConfiguration::operator<(const JobConfiguration& o) const {
  if (!(key == o.key)) return key < o.key;
  return LessByEncoding(*this, o);
}

bool JobSummary::operator<(const JobSummary& o) const {
  if (!(job.key == o.job.key)) return job.key < o.job.key;
  return LessByEncoding(*this, o);
}

bool ScheduledTask::operator<(const ScheduledTask& o) const {
  if (assignedTask.taskId != o.assignedTask.taskId) {
    return assignedTask.taskId < o.assignedTask.taskId;
  }
  return LessByEncoding(*this, o);
}

bool ConfigGroup::operator<(const ConfigGroup& o) const {
  if (instances != o.instances) return instances < o.instances;
  return LessByEncoding(*this, o);
}

bool InstanceTaskConfig::operator<(const InstanceTaskConfig& o) const {
  if (instances != o.instances) return instances < o.instances;
  return LessByEncoding(*this, o);
}

}  // namespace borealis::api

namespace borealis::storage {

bool StoredCronJob::operator<(const StoredCronJob& o) const {
  if (!(jobConfiguration.key == o.jobConfiguration.key)) {
    return jobConfiguration.key < o.jobConfiguration.key;
  }
  return api::LessByEncoding(*this, o);
}

bool QuotaConfiguration::operator<(const QuotaConfiguration& o) const {
  if (role != o.role) return role < o.role;
  return api::LessByEncoding(*this, o);
}

bool StoredJobUpdateDetails::operator<(const StoredJobUpdateDetails& o) const {
  const api::JobUpdateKey& mine = details.update.summary.key;
  const api::JobUpdateKey& theirs = o.details.update.summary.key;
  if (!(mine == theirs)) return mine < theirs;
  return api::LessByEncoding(*this, o);
}

}  // namespace borealis::storage
