// borealis-scheduler: parses flags, reads the real clock and seeds, runs the daemon until
// SIGINT/SIGTERM.
#include <signal.h>

#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <tuple>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "absl/time/time.h"
#include "borealis/base/clock.h"
#include "borealis/base/log.h"
#include "borealis/core/sla_metrics.h"
#include "borealis/core/tier_config.h"
#include "borealis/scheduler/daemon.h"

int main(int argc, char** argv) {
  borealis::scheduler::DaemonOptions opts;
  std::string log_level = "info";
  CLI::App app{"borealis-scheduler: the Borealis scheduler"};
  app.add_option("--data-dir", opts.data_dir, "Directory of the scheduler's storage")->required();
  app.add_option("--http-port", opts.http_port, "HTTP port (0: ephemeral)");
  app.add_option("--bind", opts.bind_address, "Address to listen on");
  app.add_option("--port-file", opts.port_file, "Write the bound HTTP port to this file");
  app.add_option("--cluster-name", opts.scheduler.cluster_name, "Name of this cluster");
  app.add_option("--agent-timeout-ms", opts.scheduler.agent_timeout_ms,
                 "An agent silent this long is lost and its tasks LOST");
  app.add_option("--heartbeat-interval-ms", opts.scheduler.heartbeat_interval_ms,
                 "How often agents send heartbeats");
  app.add_option("--kill-retry-ms", opts.scheduler.kill_retry_ms,
                 "First kill retry after this long; each next one waits twice as long");
  app.add_option("--transient-task-state-timeout-ms", opts.scheduler.transient_timeout_ms,
                 "ASSIGNED/KILLING/... for longer than this become LOST");
  app.add_option("--snapshot-every", opts.scheduler.snapshot_every_records,
                 "Write a snapshot after this many log records");
  app.add_option("--flapping-task-threshold-ms", opts.scheduler.flapping.threshold_ms,
                 "A task that ran for less than this before ending flapped");
  app.add_option("--initial-flapping-task-delay-ms", opts.scheduler.flapping.initial_delay_ms,
                 "THROTTLED delay after the first flapped ancestor");
  app.add_option("--max-flapping-task-delay-ms", opts.scheduler.flapping.max_delay_ms,
                 "Largest THROTTLED delay");
  // Preemption, history pruning and reconciliation, named after Aurora's flags.
  borealis::scheduler::RuleOptions& rules = opts.scheduler.rules;
  app.add_option("--enable-preemptor", rules.enable_preemptor,
                 "Preempt lower-priority or non-production tasks for pending ones");
  app.add_option("--preemption-delay-ms", rules.preemption_delay_ms,
                 "How long a task must be PENDING before it may preempt");
  app.add_option("--preemption-slot-search-initial-delay-ms",
                 rules.preemption_slot_search_initial_delay_ms, "First preemption search");
  app.add_option("--preemption-slot-search-interval-ms",
                 rules.preemption_slot_search_interval_ms, "Period of the preemption search");
  app.add_option("--preemption-slot-hold-time-ms", rules.preemption_slot_hold_time_ms,
                 "How long a host freed by preemption is held for its task");
  app.add_option("--preemption-reservation-max-batch-size",
                 rules.preemption_reservation_max_batch_size,
                 "Hosts held per job per preemption search");
  app.add_option("--enable-blocked-set", rules.enable_blocked_set,
                 "Park PENDING tasks that fit nowhere until an event could let them fit");
  app.add_option("--blocked-recheck-ms", rules.blocked_recheck_ms,
                 "Tasks parked because they fit nowhere are tried again at least this often "
                 "(0: only when an event could let them fit)");
  app.add_option("--history-prune-threshold-ms", rules.pruning.prune_threshold_ms,
                 "Terminal tasks are removed this long after they ended");
  app.add_option("--history-min-retention-threshold-ms", rules.pruning.min_retention_ms,
                 "Terminal tasks are kept at least this long");
  app.add_option("--history-max-per-job-threshold", rules.pruning.max_per_job,
                 "Terminal tasks kept per job");
  app.add_option("--reconciliation-initial-delay-ms", rules.reconciliation_initial_delay_ms,
                 "First reconciliation with the agents");
  app.add_option("--reconciliation-explicit-interval-ms",
                 rules.reconciliation_explicit_interval_ms,
                 "Period of explicit reconciliation (the agents report the named tasks)");
  app.add_option("--reconciliation-implicit-interval-ms",
                 rules.reconciliation_implicit_interval_ms,
                 "Period of implicit reconciliation (the agents report every task)");
  app.add_option("--reconciliation-schedule-spread-ms", rules.reconciliation_schedule_spread_ms,
                 "Offset of implicit from explicit reconciliation");
  app.add_option("--reconciliation-explicit-batch-size",
                 rules.reconciliation_explicit_batch_size, "Task ids per Reconcile message");
  // Job updates, named after Aurora's flags.
  app.add_option("--job-update-history-per-job-threshold",
                 opts.scheduler.updates.history_per_job, "Finished updates kept per job");
  app.add_option("--job-update-history-pruning-threshold-ms",
                 opts.scheduler.updates.history_prune_threshold_ms,
                 "Finished updates older than this are removed");
  app.add_option("--job-update-history-pruning-interval-ms",
                 opts.scheduler.updates.history_prune_interval_ms,
                 "How often finished updates are pruned");
  app.add_option("--max-update-instance-failures",
                 opts.scheduler.update_limits.max_update_instance_failures,
                 "Largest maxPerInstanceFailures times instanceCount an update may ask for");
  app.add_option("--max-tasks-per-job", opts.scheduler.max_instances_per_job,
                 "Most instances a job may have")
      ->check(CLI::PositiveNumber);
  app.add_option("--allowed-job-environments", opts.scheduler.environment_pattern,
                 "Regular expression a job's environment must match");
  std::string tier_config_file;
  app.add_option("--tier-config", tier_config_file,
                 "JSON tier configuration (Aurora's -tier_config format)");
  std::string cron_timezone = "UTC";
  app.add_option("--cron-timezone", cron_timezone,
                 "Time zone of cron schedules (a tz database name, e.g. America/New_York)");
  app.add_option("--cron-start-initial-backoff-ms", opts.scheduler.cron.start_initial_backoff_ms,
                 "First wait for a KILL_EXISTING cron run's old tasks to end")
      ->check(CLI::PositiveNumber);
  app.add_option("--cron-start-max-backoff-ms", opts.scheduler.cron.start_max_backoff_ms,
                 "Longest wait between looks at a KILL_EXISTING cron run's old tasks")
      ->check(CLI::PositiveNumber);
  // Host maintenance and SLA drains (docs/maintenance.md), named after Aurora's flags.
  borealis::scheduler::MaintenanceOptions& maint = opts.scheduler.maintenance;
  app.add_option("--min-required-instances-for-sla-check", maint.sla.min_required_instances,
                 "Jobs with fewer active instances are drained without an SLA check")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--sla-aware-kill-non-prod", maint.sla.kill_non_prod,
                 "Check the SLA of non-production jobs too");
  app.add_option("--host-maintenance-polling-interval-ms", maint.polling_interval_ms,
                 "How often draining hosts' tasks are looked at")
      ->check(CLI::PositiveNumber);
  app.add_option("--sla-coordinator-timeout-ms", opts.coordinator_timeout_ms,
                 "How long an SLA coordinator may take to answer")
      ->check(CLI::PositiveNumber);
  app.add_option("--tick-ms", opts.tick_ms, "Period of the scheduler's timer checks");
  // SLA metrics (docs/metrics.md), named after Aurora's flags.
  app.add_option("--sla-stat-refresh-interval-ms", opts.sla.window_ms,
                 "How often the SLA metrics are computed (and their sample window)")
      ->check(CLI::PositiveNumber);
  std::string sla_prod = "JOB_UPTIMES,PLATFORM_UPTIME,MEDIANS", sla_non_prod;
  app.add_option("--sla-prod-metrics", sla_prod,
                 "SLA metric categories for production tasks (JOB_UPTIMES, PLATFORM_UPTIME, "
                 "MEDIANS; comma-separated)");
  app.add_option("--sla-non-prod-metrics", sla_non_prod,
                 "SLA metric categories for non-production tasks (default none)");
  std::string webhook_config_file;
  app.add_option("--webhook-config,--webhook_config", webhook_config_file,
                 "Aurora's webhook JSON (targetURL, headers, timeoutMsec, statuses)");
  app.add_option("--webhook-queue", opts.webhook_options.queue,
                 "Task state changes waiting for the webhook before new ones are dropped")
      ->check(CLI::PositiveNumber);
  app.add_option("--webhook-max-attempts", opts.webhook_options.max_attempts,
                 "Posts of one state change to the webhook, retries included")
      ->check(CLI::PositiveNumber);
  app.add_option("--max-task-events", opts.scheduler.max_task_events,
                 "Events kept per task, oldest dropped first (0: all; at least 4 otherwise)");
  app.add_option("--event-window", opts.events.window,
                 "Events GET /events keeps for clients resuming from an index")
      ->check(CLI::PositiveNumber);
  app.add_option("--event-max-streams", opts.events.max_streams,
                 "GET /events streams that may be open at once")
      ->check(CLI::PositiveNumber);
  app.add_option("--event-client-queue", opts.events.client_queue,
                 "Events a GET /events client may fall behind by before it is disconnected")
      ->check(CLI::PositiveNumber);
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error");
  std::string log_format = "text";
  app.add_option("--log-format", log_format, "text, or json (one JSON object per line)");
  CLI11_PARSE(app, argc, argv);

  borealis::base::InitLogging("scheduler", log_level);
  borealis::base::LogFormat format;
  if (!borealis::base::ParseLogFormat(log_format, &format)) {
    LOG_ERROR("--log-format '{}' is not text or json", log_format);
    return 1;
  }
  borealis::base::SetLogFormat(format);
  for (auto [flag, text, out] : {std::tuple{"--sla-prod-metrics", &sla_prod, &opts.sla.prod},
                                 std::tuple{"--sla-non-prod-metrics", &sla_non_prod,
                                            &opts.sla.non_prod}}) {
    out->clear();
    std::stringstream list(*text);
    std::string item;
    while (std::getline(list, item, ',')) {
      if (item.empty()) continue;
      borealis::core::SlaCategory category;
      if (!borealis::core::ParseSlaCategory(item, &category)) {
        LOG_ERROR("{} '{}' is not an SLA metric category (JOB_UPTIMES, PLATFORM_UPTIME, "
                  "MEDIANS)", flag, item);
        return 1;
      }
      out->insert(category);
    }
  }
  try {
    std::regex check(opts.scheduler.environment_pattern);
  } catch (const std::regex_error& e) {
    LOG_ERROR("--allowed-job-environments '{}' is not a valid regular expression: {}",
              opts.scheduler.environment_pattern, e.what());
    return 1;
  }
  if (!absl::LoadTimeZone(cron_timezone, &opts.scheduler.cron.zone)) {
    LOG_ERROR("--cron-timezone '{}' is not a time zone this host knows (tz database names "
              "such as UTC or America/New_York, from the tzdata package)",
              cron_timezone);
    return 1;
  }
  if (!webhook_config_file.empty()) {
    std::ifstream in(webhook_config_file);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
      LOG_ERROR("cannot read --webhook_config file {}", webhook_config_file);
      return 1;
    }
    auto hook = borealis::scheduler::ParseWebhookConfig(text.str(), webhook_config_file);
    if (!hook.ok()) {
      LOG_ERROR("--webhook_config: {}", std::string(hook.status().message()));
      return 1;
    }
    opts.webhook = *hook;
  }
  if (!tier_config_file.empty()) {
    std::ifstream in(tier_config_file);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
      LOG_ERROR("cannot read --tier-config file {}", tier_config_file);
      return 1;
    }
    auto tiers = borealis::core::ParseTierConfig(text.str());
    if (!tiers.ok()) {
      LOG_ERROR("--tier-config {}: {}", tier_config_file, tiers.status().ToString());
      return 1;
    }
    opts.scheduler.tiers = *std::move(tiers);
  }
  signal(SIGPIPE, SIG_IGN);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);  // threads inherit the mask

  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  opts.scheduler.scheduler_host = host;
  std::random_device rd;
  const uint64_t seed = (static_cast<uint64_t>(rd()) << 32) ^ rd();

  borealis::scheduler::Daemon daemon(opts, borealis::base::RealClock::Get(), seed);
  if (absl::Status s = daemon.Start(); !s.ok()) {
    LOG_ERROR("cannot start: {}", s.ToString());
    return 1;
  }
  int sig = 0;
  sigwait(&stop_signals, &sig);
  LOG_INFO("signal {} received, stopping", sig);
  daemon.Stop();
  return 0;
}
