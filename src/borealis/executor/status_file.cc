// status.json encoding and the agent datagram.
#include "borealis/executor/status_file.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace borealis::executor {
namespace {

using nlohmann::json;

absl::Status ErrnoError(const std::string& what, int err) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(err)));
}

}  // namespace

std::string StatusToJson(const StatusDocument& doc) {
  json updates = json::array();
  for (const StatusUpdate& u : doc.updates) {
    updates.push_back({{"seq", u.seq},
                       {"state", u.state},
                       {"message", u.message},
                       {"timestamp_ms", u.timestamp_ms}});
  }
  json processes = json::object();
  for (const auto& [name, p] : doc.processes) {
    json history = json::array();
    for (const RunEntry& r : p.history) {
      history.push_back({{"run", r.run},
                         {"state", r.state},
                         {"pid", r.pid},
                         {"exit_code", r.exit_code},
                         {"start_ms", r.start_ms},
                         {"stop_ms", r.stop_ms}});
    }
    processes[name] = {{"state", p.state},
                       {"runs", p.runs},
                       {"pid", p.pid},
                       {"exit_code", p.exit_code},
                       {"history", history}};
  }
  json groups = json::array();
  for (int pgid : doc.pgids) {
    auto ticks = doc.group_start_ticks.find(pgid);
    groups.push_back({{"pgid", pgid},
                      {"start_ticks", ticks == doc.group_start_ticks.end() ? 0 : ticks->second}});
  }
  json out = {{"task_id", doc.task_id},
              {"executor_pid", doc.executor_pid},
              {"executor_start_ticks", doc.executor_start_ticks},
              {"updates", updates},
              {"processes", processes},
              {"pgids", doc.pgids},
              {"groups", groups}};
  return out.dump(2) + "\n";
}

absl::StatusOr<StatusDocument> ParseStatusJson(const std::string& text) {
  try {
    json in = json::parse(text);
    StatusDocument doc;
    doc.task_id = in.at("task_id").get<std::string>();
    doc.executor_pid = in.at("executor_pid").get<int>();
    doc.executor_start_ticks = in.at("executor_start_ticks").get<int64_t>();
    for (const json& u : in.at("updates")) {
      doc.updates.push_back({u.at("seq").get<int64_t>(), u.at("state").get<std::string>(),
                             u.at("message").get<std::string>(),
                             u.at("timestamp_ms").get<int64_t>()});
    }
    for (const auto& [name, p] : in.at("processes").items()) {
      ProcessRecord& record = doc.processes[name];
      record.state = p.at("state").get<std::string>();
      record.runs = p.at("runs").get<int>();
      record.pid = p.at("pid").get<int>();
      record.exit_code = p.at("exit_code").get<int>();
      if (auto history = p.find("history"); history != p.end()) {  // absent: older executor
        for (const json& r : *history) {
          record.history.push_back({r.at("run").get<int>(), r.at("state").get<std::string>(),
                                    r.at("pid").get<int>(), r.at("exit_code").get<int>(),
                                    r.at("start_ms").get<int64_t>(),
                                    r.at("stop_ms").get<int64_t>()});
        }
      }
    }
    doc.pgids = in.at("pgids").get<std::vector<int>>();
    if (auto groups = in.find("groups"); groups != in.end()) {
      for (const json& g : *groups) {
        doc.group_start_ticks[g.at("pgid").get<int>()] = g.at("start_ticks").get<int64_t>();
      }
    }
    return doc;
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("status.json: ", e.what()));
  }
}

AgentNotifier::AgentNotifier(std::string socket_path) : socket_path_(std::move(socket_path)) {
  if (!socket_path_.empty()) fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
}

AgentNotifier::~AgentNotifier() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status AgentNotifier::Notify(const std::string& task_id) {
  if (socket_path_.empty()) return absl::OkStatus();
  if (fd_ < 0) return ErrnoError("socket", EBADF);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path_.size() >= sizeof(addr.sun_path)) {
    return absl::InvalidArgumentError(
        absl::StrCat("agent socket path too long: '", socket_path_, "'"));
  }
  std::memcpy(addr.sun_path, socket_path_.c_str(), socket_path_.size() + 1);
  ssize_t n;
  do {
    n = ::sendto(fd_, task_id.data(), task_id.size(), MSG_NOSIGNAL,
                 reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
  } while (n < 0 && errno == EINTR);
  if (n >= 0) return absl::OkStatus();
  int err = errno;
  if (err == ENOENT || err == ECONNREFUSED || err == EAGAIN || err == EWOULDBLOCK) {
    return absl::OkStatus();  // agent down or busy; it rescans
  }
  return ErrnoError(absl::StrCat("sendto '", socket_path_, "'"), err);
}

}  // namespace borealis::executor
