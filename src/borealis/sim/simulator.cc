#include "borealis/sim/simulator.h"

#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <queue>
#include <thread>
#include <chrono>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "borealis/base/clock.h"
#include "borealis/base/rng.h"
#include "borealis/base/status.h"
#include "borealis/core/job_update.h"
#include "borealis/model/task.h"
#include "borealis/scheduler/scheduler_core.h"
#include "borealis/scheduler/scheduler_metrics.h"
#include "borealis/sim/sim_updates.h"
#include "borealis/state/store.h"

namespace borealis::sim {
namespace {

int64_t WallNs() { return base::RealClock::Get().MonoNowNs(); }

// VmRSS / VmHWM of this process in bytes.
std::pair<int64_t, int64_t> ReadRss() {
  std::ifstream in("/proc/self/status");
  std::string line;
  int64_t rss = 0, hwm = 0;
  while (std::getline(in, line)) {
    auto kb = [&](const char* key, int64_t* out) {
      if (line.rfind(key, 0) != 0) return;
      std::string rest = line.substr(std::string(key).size());
      rest.erase(std::remove_if(rest.begin(), rest.end(),
                                [](char c) { return c < '0' || c > '9'; }),
                 rest.end());
      int64_t v = 0;
      if (absl::SimpleAtoi(rest, &v)) *out = v * 1024;
    };
    kb("VmRSS:", &rss);
    kb("VmHWM:", &hwm);
  }
  return {rss, hwm};
}

}  // namespace
}  // namespace borealis::sim

// jemalloc's control interface, when the binary links it (weak: null otherwise).
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp,
                       size_t newlen) __attribute__((weak));

namespace borealis::sim {
namespace {

int64_t HeapAllocatedBytes() {
  if (mallctl == nullptr) return 0;
  uint64_t epoch = 1;
  size_t len = sizeof(epoch);
  mallctl("epoch", &epoch, &len, &epoch, len);  // refresh the statistics
  size_t allocated = 0;
  len = sizeof(allocated);
  if (mallctl("stats.allocated", &allocated, &len, nullptr, 0) != 0) return 0;
  return static_cast<int64_t>(allocated);
}

// Asks jemalloc to return the pages of freed objects to the kernel now (it does so by itself
// within its dirty-page decay time, 10 s by default); false without jemalloc.
bool PurgeFreedPages() {
  if (mallctl == nullptr) return false;
  // "arena.<MALLCTL_ARENAS_ALL>.purge": every arena.
  return mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0) == 0;
}

double CpuSeconds() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

api::Constraint MakeConstraint(const std::string& name, const std::string& spec) {
  api::Constraint c;
  c.__set_name(name);
  api::TaskConstraint tc;
  int32_t limit = 0;
  if (spec.rfind("limit:", 0) == 0 && absl::SimpleAtoi(spec.substr(6), &limit)) {
    api::LimitConstraint l;
    l.__set_limit(limit);
    tc.__set_limit(l);
  } else {
    api::ValueConstraint v;
    std::string values = spec;
    if (!values.empty() && values[0] == '!') {
      v.__set_negated(true);
      values = values.substr(1);
    }
    std::set<std::string> set;
    for (absl::string_view part : absl::StrSplit(values, ',', absl::SkipEmpty())) {
      set.insert(std::string(part));
    }
    v.__set_values(set);
    tc.__set_value(v);
  }
  c.__set_constraint(tc);
  return c;
}

api::JobConfiguration MakeJob(const JobSpec& spec, int64_t k) {
  api::JobKey key;
  key.__set_role(spec.role);
  key.__set_environment(spec.environment);
  key.__set_name(absl::StrCat(spec.name, "-", k));
  api::Identity owner;
  owner.__set_user(spec.role);
  api::TaskConfig t;
  t.__set_job(key);
  t.__set_owner(owner);
  t.__set_isService(spec.service);
  t.__set_priority(spec.priority);
  t.__set_maxTaskFailures(spec.max_task_failures);
  if (!spec.tier.empty()) t.__set_tier(spec.tier);
  std::set<api::Resource> resources;
  api::Resource cpus, ram, disk;
  cpus.__set_numCpus(static_cast<double>(spec.milli_cpus) / 1000.0);
  ram.__set_ramMb(spec.ram_mb);
  disk.__set_diskMb(spec.disk_mb);
  resources.insert(cpus);
  resources.insert(ram);
  resources.insert(disk);
  for (int32_t p = 0; p < spec.ports; ++p) {
    api::Resource port;
    port.__set_namedPort(absl::StrCat("p", p));
    resources.insert(port);
  }
  t.__set_resources(resources);
  std::set<api::Constraint> constraints;
  for (const auto& [name, value] : spec.constraints) {
    constraints.insert(MakeConstraint(name, value));
  }
  t.__set_constraints(constraints);
  api::ExecutorConfig executor;
  executor.__set_name("AuroraExecutor");
  executor.__set_data("{}");
  t.__set_executorConfig(executor);
  api::JobConfiguration job;
  job.__set_key(key);
  job.__set_owner(owner);
  job.__set_taskConfig(t);
  job.__set_instanceCount(spec.instances);
  return job;
}

enum class EventKind : uint8_t { kStatus, kJobArrival, kAgentLoss, kUpdate };

struct Event {
  int64_t at_ms = 0;
  uint64_t seq = 0;
  EventKind kind = EventKind::kStatus;
  uint32_t index = 0;  // agent (kStatus), job spec (kJobArrival), loss (kAgentLoss), update
  int64_t k = 0;       // job number within its spec (kJobArrival)
  api::ScheduleStatus::type status = api::ScheduleStatus::INIT;
  std::string task_id;
};

struct Later {
  bool operator()(const Event& a, const Event& b) const {
    return a.at_ms != b.at_ms ? a.at_ms > b.at_ms : a.seq > b.seq;
  }
};

// Events not yet handled, in (at_ms, seq) order. Status reports, the bulk, are due a fixed
// delay after the simulated now, which never goes back: one FIFO per delay holds them in
// order, and a heap holds the rest (job arrivals, agent losses, known from the start).
class EventQueue {
 public:
  // `e` due `delay` ms after the current simulated time (never earlier than the last call's).
  void PushAfter(Event e, int64_t delay) { fifos_[delay].push_back(std::move(e)); }
  void PushAt(Event e) { heap_.push(std::move(e)); }
  // Removes the earliest event into `out` if it is due at or before `now`.
  bool PopDue(int64_t now, Event* out) {
    const Event* best = heap_.empty() ? nullptr : &heap_.top();
    std::deque<Event>* best_fifo = nullptr;
    for (auto& [delay, q] : fifos_) {
      if (!q.empty() && (best == nullptr || Later{}(*best, q.front()))) {
        best = &q.front();
        best_fifo = &q;
      }
    }
    if (best == nullptr || best->at_ms > now) return false;
    if (best_fifo != nullptr) {
      *out = std::move(best_fifo->front());
      best_fifo->pop_front();
    } else {
      *out = heap_.top();
      heap_.pop();
    }
    return true;
  }

 private:
  std::map<int64_t, std::deque<Event>> fifos_;  // by delay
  std::priority_queue<Event, std::vector<Event>, Later> heap_;
};

// The scheduler's store, timed: how much of a commit is the store's durable write.
class TimedStore final : public state::Store {
 public:
  explicit TimedStore(std::unique_ptr<state::Store> inner) : inner_(std::move(inner)) {}
  absl::Status Append(const std::vector<std::string>& records) override {
    const int64_t t0 = WallNs();
    absl::Status s = inner_->Append(records);
    append_ns_ += WallNs() - t0;
    return s;
  }
  absl::Status WriteSnapshot(const std::string& snapshot) override {
    return inner_->WriteSnapshot(snapshot);
  }
  absl::StatusOr<state::Recovered> Load() override { return inner_->Load(); }
  uint64_t records_since_snapshot() const override { return inner_->records_since_snapshot(); }
  uint64_t last_seq() const override { return inner_->last_seq(); }
  int64_t append_ns() const { return append_ns_; }

 private:
  std::unique_ptr<state::Store> inner_;
  int64_t append_ns_ = 0;
};

struct SimAgent {
  model::AgentId id;
  std::string host;
  bool alive = true;
};

// What the sim remembers of a submitted job, to measure placement latency.
struct JobTrack {
  int64_t submitted_ns = 0;
  int32_t instances = 0;
  int32_t first_launches = 0;
  uint32_t spec = 0;
  int32_t update = -1;  // the scenario update of this job (its create is measured), or -1
  int32_t running = 0;  // of its first launches, RUNNING so far (with update >= 0)
};

class Run final : public scheduler::AgentTransport {
 public:
  Run(const Scenario& s, const SimOptions& o) : s_(s), o_(o), rng_(s.seed ^ 0x5eed5eedULL) {}
  ~Run() override {
    core_.reset();
    timed_store_.reset();
    store_.reset();
    if (!temp_dir_.empty()) {  // also on early error returns
      std::error_code ec;
      std::filesystem::remove_all(temp_dir_, ec);
    }
  }
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  absl::StatusOr<SimResult> Go();
  bool Send(const model::AgentId& agent_id, const scheduler::OutgoingMessage& m) override;

 private:
  int64_t Now() const { return clock_.NowMs() - start_ms_; }
  void Push(Event e) {
    e.seq = next_seq_++;
    if (e.kind == EventKind::kStatus) {  // a report, due a fixed delay from now
      ++in_flight_;
      const int64_t delay = e.at_ms - Now();
      events_.PushAfter(std::move(e), delay);
    } else {
      events_.PushAt(std::move(e));
    }
  }
  void Trace(const std::string& line) {
    if (o_.trace != nullptr) *o_.trace << Now() << ' ' << line << '\n';
  }
  void RegisterAgents();
  void RegisterAgent(const HostShape& h, int64_t i);
  void Handle(const Event& e);
  void LoseAgents(int64_t count);
  absl::Status Commit();
  void StartUpdate(uint32_t index);
  // A first launch of an updated job is RUNNING: the create is over once all are.
  void NoteCreateRunning(const std::string& task_id);
  // Notes the updates that reached a terminal status (after each commit).
  void CheckUpdates();
  // Releases the commit in flight (pipelined mode), timed as part of flush.
  absl::Status FinishCommit() {
    const int64_t t0 = WallNs();
    absl::Status st = core_->FinishCommit();
    const int64_t dt = WallNs() - t0;
    sched_ns_ += dt;
    flush_ns_ += dt;
    return st;
  }
  absl::Status OpenStore();
  // Counts the tasks and fills the figures once the loop is over.
  void Finish(int64_t wall0, int64_t sched_wall0);
  int64_t sched_wall0_ = 0;  // wall time of simulated time 0
  void FinishUpdates();

  const Scenario& s_;
  const SimOptions& o_;
  base::ManualClock clock_;
  int64_t start_ms_ = clock_.NowMs();
  base::Rng rng_;
  std::unique_ptr<state::Store> store_;  // until Go wraps it in timed_store_
  std::unique_ptr<TimedStore> timed_store_;
  base::MetricsRegistry registry_;
  scheduler::SchedulerMetrics metrics_{registry_};
  std::unique_ptr<scheduler::SchedulerCore> core_;
  std::string store_name_;
  std::string temp_dir_;
  std::vector<SimAgent> agents_;
  absl::flat_hash_map<model::AgentId, uint32_t> agent_index_;
  absl::flat_hash_map<std::string, JobTrack> jobs_;  // job name → track
  absl::flat_hash_set<std::string> killed_;
  // First launches of the jobs that scenario updates name, until RUNNING: task → job.
  absl::flat_hash_map<std::string, std::string> create_tasks_;
  EventQueue events_;
  uint64_t next_seq_ = 0;
  int64_t in_flight_ = 0;       // status events not yet delivered
  int64_t arrivals_left_ = 0;   // jobs and losses still to come
  int64_t launches_this_commit_ = 0;  // launches released by the last Commit call
  std::vector<std::optional<model::JobUpdateKey>> update_keys_;  // by scenario update
  int64_t updates_active_ = 0;  // started and not yet seen terminal
  bool pipelined_ = false;
  std::vector<uint32_t> latency_us_;
  SimResult r_;
  int64_t sched_ns_ = 0;
  // Wall time per kind of SchedulerCore call.
  int64_t create_ns_ = 0, status_ns_ = 0, schedule_ns_ = 0, flush_ns_ = 0, tick_ns_ = 0;
  int64_t start_update_ns_ = 0;
};

absl::Status Run::OpenStore() {
  store_name_ = o_.store_override.empty() ? s_.store : o_.store_override;
  if (store_name_ == "memory") {
    store_ = std::make_unique<state::MemoryStore>();
    return absl::OkStatus();
  }
  if (store_name_ != "sqlite") {
    return absl::InvalidArgumentError(absl::StrCat("store: unknown kind '", store_name_, "'"));
  }
  std::string dir = o_.data_dir;
  if (dir.empty()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "borealis-sim-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      return absl::InternalError("cannot create a temporary directory for the store");
    }
    dir = temp_dir_ = tmpl;
  }
  ASSIGN_OR_RETURN(auto sqlite, state::SqliteStore::Open(dir + "/scheduler.db"));
  store_ = std::move(sqlite);
  return absl::OkStatus();
}

void Run::RegisterAgents() {
  int64_t i = 0;  // over all shapes
  for (const HostShape& h : s_.host_shapes) {
    for (int64_t end = i + h.count; i < end; ++i) {
      RegisterAgent(h, i);
    }
  }
}

void Run::RegisterAgent(const HostShape& h, int64_t i) {
  {
    char id[32], host[32];
    snprintf(id, sizeof id, "agent-%06lld", static_cast<long long>(i));
    snprintf(host, sizeof host, "host-%06lld", static_cast<long long>(i));
    agentproto::RegisterAgent reg;
    reg.agentId = id;
    reg.host = host;
    reg.resources.milliCpus = h.milli_cpus;
    reg.resources.ramMb = h.ram_mb;
    reg.resources.diskMb = h.disk_mb;
    agentproto::PortRange pr;
    pr.first = h.port_first;
    pr.last = h.port_last;
    reg.resources.ports = {pr};
    for (const auto& [name, n] : h.attributes) {
      reg.attributes[name] = {absl::StrCat(name, "-", i % n)};
    }
    agent_index_[model::AgentId(id)] = static_cast<uint32_t>(agents_.size());
    agents_.push_back(SimAgent{model::AgentId(id), host, true});
    core_->OnAgentRegister(reg);
  }
}

// The simulated agents read the core's messages as queued: no wire encoding (the daemon's
// transport builds and serializes each message; that cost is not in these figures).
bool Run::Send(const model::AgentId& agent_id, const scheduler::OutgoingMessage& m) {
  auto it = agent_index_.find(agent_id);
  if (it == agent_index_.end() || !agents_[it->second].alive) return false;
  const uint32_t a = it->second;
  if (const auto* launch = std::get_if<scheduler::LaunchMessage>(&m)) {
    const model::Task& t = *launch->task;
    ++r_.placements;
    ++launches_this_commit_;
    if (o_.trace != nullptr) {
      std::string line = absl::StrCat("launch ", t.task_id.str(), " ", agent_id.str());
      for (const auto& [name, port] : t.assigned_ports) absl::StrAppend(&line, " ", name, "=", port);
      Trace(line);
    }
    uint32_t spec = 0;
    if (auto j = jobs_.find(t.config ? t.config->job.name : std::string());
        j != jobs_.end()) {
      spec = j->second.spec;
      if (j->second.first_launches < j->second.instances) {
        ++j->second.first_launches;
        if (j->second.update >= 0) create_tasks_.emplace(t.task_id.str(), t.config->job.name);
        latency_us_.push_back(
            static_cast<uint32_t>(std::min<int64_t>((WallNs() - j->second.submitted_ns) / 1000,
                                                    UINT32_MAX)));
      }
    }
    const JobSpec& js = s_.jobs[spec];
    const int64_t now = Now();
    Push(Event{now + s_.starting_ms, 0, EventKind::kStatus, a, 0, api::ScheduleStatus::STARTING,
               t.task_id.str()});
    Push(Event{now + s_.running_ms, 0, EventKind::kStatus, a, 0, api::ScheduleStatus::RUNNING,
               t.task_id.str()});
    if (js.run_ms > 0) {
      const bool fail = js.failure_rate > 0 &&
                        static_cast<double>(rng_.Uniform(1'000'000)) < js.failure_rate * 1e6;
      Push(Event{now + s_.running_ms + js.run_ms, 0, EventKind::kStatus, a, 0,
                 fail ? api::ScheduleStatus::FAILED : api::ScheduleStatus::FINISHED, t.task_id.str()});
    }
  } else if (const auto* kill = std::get_if<agentproto::KillTask>(&m)) {
    Trace(absl::StrCat("kill ", kill->taskId, " ", agent_id.str()));
    if (killed_.insert(kill->taskId).second) {
      Push(Event{Now() + s_.kill_ms, 0, EventKind::kStatus, a, 0, api::ScheduleStatus::KILLED,
                 kill->taskId});
    }
  }
  return true;
}

void Run::LoseAgents(int64_t count) {
  std::vector<uint32_t> alive;
  for (uint32_t i = 0; i < agents_.size(); ++i) {
    if (agents_[i].alive) alive.push_back(i);
  }
  for (int64_t n = 0; n < count && !alive.empty(); ++n) {
    const size_t pick = rng_.Uniform(alive.size());
    const uint32_t a = alive[pick];
    alive.erase(alive.begin() + static_cast<std::ptrdiff_t>(pick));
    agents_[a].alive = false;
    ++r_.agents_lost;
    Trace(absl::StrCat("agent_lost ", agents_[a].id.str()));
    const int64_t t0 = WallNs();
    core_->OnAgentDisconnected(agents_[a].id);
    sched_ns_ += WallNs() - t0;
  }
}

void Run::Handle(const Event& e) {
  switch (e.kind) {
    case EventKind::kStatus: {
      --in_flight_;
      const SimAgent& agent = agents_[e.index];
      if (!agent.alive) return;  // a lost agent says nothing more
      if (e.status != api::ScheduleStatus::KILLED && !killed_.empty() &&
          killed_.contains(e.task_id)) {
        return;
      }
      agentproto::StatusUpdate u;
      u.uuid = absl::StrCat("u", e.seq);
      u.taskId = e.task_id;
      u.status = e.status;
      u.timestampMs = clock_.NowMs();
      if (o_.trace != nullptr) Trace(absl::StrCat("status ", e.task_id, " ", api::to_string(e.status)));
      ++r_.status_updates;
      if (!create_tasks_.empty() && e.status == api::ScheduleStatus::RUNNING) {
        NoteCreateRunning(e.task_id);
      }
      const int64_t t0 = WallNs();
      core_->OnStatusUpdate(agent.id, u);
      const int64_t dt = WallNs() - t0;
      sched_ns_ += dt;
      status_ns_ += dt;
      return;
    }
    case EventKind::kJobArrival: {
      --arrivals_left_;
      const JobSpec& spec = s_.jobs[e.index];
      api::JobConfiguration job = MakeJob(spec, e.k);
      JobTrack& track = jobs_[job.key.name];
      track.spec = e.index;
      track.instances = spec.instances;
      const int64_t t0 = WallNs();
      // Real time: from the arrival as scheduled, so that a tick that starts late (a
      // scheduler behind) counts in the latency.
      track.submitted_ns = s_.realtime ? sched_wall0_ + e.at_ms * 1'000'000 : t0;
      api::Response resp = core_->CreateJob(job);
      const int64_t dt = WallNs() - t0;
      sched_ns_ += dt;
      create_ns_ += dt;
      std::string outcome = resp.responseCode == api::ResponseCode::OK ? "OK" : "refused:";
      for (const auto& d : resp.details) absl::StrAppend(&outcome, " ", d.message);
      Trace(absl::StrCat("create ", job.key.role, "/", job.key.environment, "/", job.key.name,
                         " instances=", spec.instances, " ", outcome));
      if (resp.responseCode != api::ResponseCode::OK) track.instances = 0;
      for (size_t i = 0; i < s_.updates.size(); ++i) {
        if (s_.updates[i].job != job.key.name) continue;
        track.update = static_cast<int32_t>(i);
        r_.updates[i].create_start_sim_ms = Now();
        r_.updates[i].create_start_wall_ns = track.submitted_ns;
      }
      return;
    }
    case EventKind::kAgentLoss:
      --arrivals_left_;
      LoseAgents(s_.agent_losses[e.index].count);
      return;
    case EventKind::kUpdate:
      --arrivals_left_;
      StartUpdate(e.index);
      return;
  }
}

void Run::StartUpdate(uint32_t index) {
  const UpdateSpec& spec = s_.updates[index];
  UpdateResult& u = r_.updates[index];
  const api::JobConfiguration job = MakeJob(s_.jobs[spec.job_spec], spec.job_k);
  const api::JobUpdateRequest request = MakeUpdateRequest(job, spec);
  u.start_sim_ms = Now();
  u.start_wall_ns = WallNs();
  api::Response resp = core_->StartJobUpdate(request, "simulated update", "sim");
  const int64_t dt = WallNs() - u.start_wall_ns;
  sched_ns_ += dt;
  start_update_ns_ += dt;
  u.start_call_seconds = static_cast<double>(dt) / 1e9;
  u.outcome = resp.responseCode == api::ResponseCode::OK ? "OK" : "refused:";
  for (const auto& d : resp.details) absl::StrAppend(&u.outcome, " ", d.message);
  Trace(absl::StrCat("update ", job.key.role, "/", job.key.environment, "/", job.key.name,
                     " instances=", job.instanceCount, " ", u.outcome));
  model::JobKey key{job.key.role, job.key.environment, job.key.name};
  update_keys_[index] = core_->state().updates().ActiveUpdate(key);
  if (update_keys_[index]) ++updates_active_;
}

void Run::NoteCreateRunning(const std::string& task_id) {
  auto it = create_tasks_.find(task_id);
  if (it == create_tasks_.end()) return;
  JobTrack& track = jobs_[it->second];
  create_tasks_.erase(it);
  if (++track.running < track.instances) return;
  UpdateResult& u = r_.updates[static_cast<size_t>(track.update)];
  u.create_end_sim_ms = Now();
  u.create_end_wall_ns = WallNs();
}

void Run::CheckUpdates() {
  for (size_t i = 0; i < update_keys_.size() && updates_active_ > 0; ++i) {
    UpdateResult& u = r_.updates[i];
    if (!update_keys_[i] || u.end_sim_ms >= 0) continue;
    const model::JobUpdateDetails* d = core_->state().updates().Find(*update_keys_[i]);
    if (d == nullptr || !core::IsTerminalUpdate(d->update.summary.status)) continue;
    u.end_sim_ms = Now();
    u.end_wall_ns = WallNs();
    u.status = model::UpdateStatusName(d->update.summary.status);
    --updates_active_;
    Trace(absl::StrCat("update_end ", u.job, " ", u.status));
  }
}

// Pipelined: finishes the previous tick's commit (its launches count here), then starts
// this one's.
absl::Status Run::Commit() {
  launches_this_commit_ = 0;
  const int64_t t0 = WallNs();
  core_->Schedule();
  const int64_t t1 = WallNs();
  absl::Status st;
  if (pipelined_) {
    st = core_->StartCommit().status();
  } else {
    st = core_->Flush();
  }
  const int64_t t2 = WallNs();
  sched_ns_ += t2 - t0;
  schedule_ns_ += t1 - t0;
  flush_ns_ += t2 - t1;
  ++r_.commits;
  if (updates_active_ > 0) CheckUpdates();
  return st;
}

absl::StatusOr<SimResult> Run::Go() {
  RETURN_IF_ERROR(OpenStore());
  scheduler::SchedulerOptions opts;
  opts.cluster_name = "sim";
  opts.scheduler_host = "sim-scheduler";
  opts.max_instances_per_job = 1'000'000;
  opts.snapshot_every_records = 1'000'000'000;  // the sim measures placement, not snapshots
  opts.rules.enable_blocked_set = o_.blocked_set;
  timed_store_ = std::make_unique<TimedStore>(std::move(store_));
  core_ = std::make_unique<scheduler::SchedulerCore>(opts, clock_, *timed_store_, *this, s_.seed);
  // The histograms the daemon keeps, so that the sim pays what production pays.
  core_->set_histograms(scheduler::CoreHistograms{&metrics_.placement_seconds,
                                                  &metrics_.commit_seconds,
                                                  &metrics_.status_update_delay_seconds});
  RETURN_IF_ERROR(core_->Recover());
  pipelined_ = o_.pipelined_commit && !s_.realtime;
  r_.commit = pipelined_ ? "pipelined" : "sync";
  const int64_t wall0 = WallNs();
  RegisterAgents();
  RETURN_IF_ERROR(Commit());
  Trace(absl::StrCat("registered ", agents_.size(), " agents"));
  for (uint32_t i = 0; i < s_.jobs.size(); ++i) {
    for (int64_t k = 0; k < s_.jobs[i].count; ++k) {
      Push(Event{s_.jobs[i].arrive_at_ms + k * s_.jobs[i].arrive_every_ms, 0,
                 EventKind::kJobArrival, i, k, api::ScheduleStatus::INIT, {}});
      ++arrivals_left_;
    }
  }
  update_keys_.resize(s_.updates.size());
  r_.updates.resize(s_.updates.size());
  for (uint32_t i = 0; i < s_.updates.size(); ++i) {
    r_.updates[i].job = s_.updates[i].job;
    Push(Event{s_.updates[i].at_ms, 0, EventKind::kUpdate, i, 0, api::ScheduleStatus::INIT, {}});
    ++arrivals_left_;
  }
  for (uint32_t i = 0; i < s_.agent_losses.size(); ++i) {
    Push(Event{s_.agent_losses[i].at_ms, 0, EventKind::kAgentLoss, i, 0,
               api::ScheduleStatus::INIT, {}});
    ++arrivals_left_;
  }
  const int64_t sched_wall0 = WallNs();
  sched_wall0_ = sched_wall0;
  sched_ns_ = 0;
  int64_t next_tick = 0;
  for (;;) {
    const int64_t now = Now();
    Event e;
    while (events_.PopDue(now, &e)) Handle(e);
    if (now >= next_tick) {  // once a simulated second: heartbeats and timers
      next_tick = now + 1000;
      const int64_t t0 = WallNs();
      for (const SimAgent& a : agents_) {
        if (a.alive) core_->OnHeartbeat(a.id);
      }
      core_->Tick();
      const int64_t dt = WallNs() - t0;
      sched_ns_ += dt;
      tick_ns_ += dt;
    }
    RETURN_IF_ERROR(Commit());
    bool idle = arrivals_left_ == 0 && in_flight_ == 0 && launches_this_commit_ == 0 &&
                updates_active_ == 0;
    if (idle && core_->commit_in_flight()) {  // idle unless this tick's commit says more
      RETURN_IF_ERROR(FinishCommit());
      if (updates_active_ > 0) CheckUpdates();
      idle = in_flight_ == 0 && launches_this_commit_ == 0 && updates_active_ == 0;
    }
    if ((s_.stop_when_idle && idle) || now >= s_.duration_ms) break;
    if (s_.realtime) {  // wait for the wall clock to reach the next tick
      const int64_t due_ns = sched_wall0 + (now + s_.tick_ms) * 1'000'000;
      const int64_t ahead_ns = due_ns - WallNs();
      if (ahead_ns > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(ahead_ns));
    }
    clock_.AdvanceMs(s_.tick_ms);
  }
  RETURN_IF_ERROR(FinishCommit());
  Finish(wall0, sched_wall0);
  return r_;
}

void Run::FinishUpdates() {
  r_.breakdown_seconds.emplace_back("start_job_update", start_update_ns_ / 1e9);
  for (size_t i = 0; i < update_keys_.size(); ++i) {
    if (!update_keys_[i]) continue;
    const model::JobUpdateDetails* d = core_->state().updates().Find(*update_keys_[i]);
    if (d == nullptr) continue;
    r_.updates[i].instance_events = static_cast<int64_t>(d->instance_events.size());
    r_.updates[i].instances = s_.jobs[s_.updates[i].job_spec].instances;
    r_.update_instance_events += r_.updates[i].instance_events;
  }
  const auto view = core_->view();
  if (auto it = view->counters.find("update_controller_ns"); it != view->counters.end()) {
    r_.update_controller_seconds = static_cast<double>(it->second) / 1e9;
  }
}

void Run::Finish(int64_t wall0, int64_t sched_wall0) {
  const int64_t wall1 = WallNs();
  for (const auto& [id, t] : *core_->state().tasks()) {
    ++r_.tasks_total;
    if (t->status == model::ScheduleStatus::kPending ||
        t->status == model::ScheduleStatus::kThrottled) {
      ++r_.tasks_pending;
    } else if (t->status == model::ScheduleStatus::kAssigned ||
               t->status == model::ScheduleStatus::kStarting ||
               t->status == model::ScheduleStatus::kRunning) {
      ++r_.tasks_placed;
    }
  }
  Trace(absl::StrCat("end placements=", r_.placements, " placed=", r_.tasks_placed,
                     " pending=", r_.tasks_pending, " total=", r_.tasks_total));
  r_.scenario = s_.name;
  r_.hosts = HostCount(s_);
  r_.store = store_name_;
  r_.simulated_ms = Now();
  r_.wall_seconds = static_cast<double>(wall1 - wall0) / 1e9;
  r_.scheduler_seconds = static_cast<double>(sched_ns_) / 1e9;
  const double phase = static_cast<double>(wall1 - sched_wall0) / 1e9;
  r_.placements_per_sec = phase > 0 ? static_cast<double>(r_.placements) / phase : 0;
  if (!latency_us_.empty()) {
    std::sort(latency_us_.begin(), latency_us_.end());
    auto pct = [&](double p) {
      size_t i = static_cast<size_t>(p * static_cast<double>(latency_us_.size() - 1) + 0.5);
      return static_cast<double>(latency_us_[i]) / 1000.0;
    };
    r_.placement_p50_ms = pct(0.50);
    r_.placement_p99_ms = pct(0.99);
    r_.placement_max_ms = static_cast<double>(latency_us_.back()) / 1000.0;
  }
  r_.breakdown_seconds = {{"create_job", create_ns_ / 1e9}, {"status_updates", status_ns_ / 1e9},
                          {"schedule", schedule_ns_ / 1e9}, {"flush", flush_ns_ / 1e9},
                          {"flush_store_append", timed_store_->append_ns() / 1e9},
                          {"tick_and_heartbeats", tick_ns_ / 1e9}};
  if (!s_.updates.empty()) FinishUpdates();
  r_.cpu_seconds = CpuSeconds();
  auto [rss, hwm] = ReadRss();
  r_.rss_bytes = rss;
  r_.hwm_bytes = hwm;
  r_.heap_bytes = HeapAllocatedBytes();
  if (PurgeFreedPages()) r_.rss_settled_bytes = ReadRss().first;
}

}  // namespace

Simulator::Simulator(Scenario scenario, SimOptions options)
    : scenario_(std::move(scenario)), options_(std::move(options)) {}

absl::StatusOr<SimResult> Simulator::Run() {
  sim::Run run(scenario_, options_);
  return run.Go();
}

}  // namespace borealis::sim
