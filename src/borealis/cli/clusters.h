// clusters.json: where the CLI finds a cluster's scheduler (docs/aurora-compatibility.md).
//
// Search order: the file named by $BOREALIS_CLUSTERS when that variable is set (and only
// it); otherwise ~/.borealis/clusters.json, /etc/borealis/clusters.json, then Aurora's two
// files in Aurora's own precedence: ~/.aurora/clusters.json before
// $AURORA_CONFIG_ROOT/clusters.json (/etc/aurora/clusters.json when the variable is unset
// or empty). The first file that defines the name wins. Missing files are skipped; a file
// that exists but is not valid clusters.json is an error naming the file. A file is a JSON
// list of objects, or an object of objects (an entry without "name" takes its key);
// entries without a name are ignored. Aurora's keys are accepted and type-checked; keys
// nobody reads are kept in `raw` (Aurora keeps them for plugins).
//
// Only scheduler_uri finds a scheduler for now; an entry with only `zk` is "not supported
// yet", and so is an auth_mechanism other than UNAUTHENTICATED. proxy_url, when set, is
// the base of every URL shown to users (WebUrl), as in Aurora.
// Functions do file I/O but keep no state; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"

namespace borealis::cli {

struct ClusterConfig {
  std::string name;
  std::string scheduler_uri;  // "http://host:port[/prefix]"
  std::string zk;             // ZooKeeper hosts, comma list
  int zk_port = 2181;
  std::string scheduler_zk_path;
  std::string proxy_url;  // base URL for printed links
  std::string auth_mechanism = "UNAUTHENTICATED";
  std::string slave_root;           // agents' work directory (task ssh/scp in Aurora)
  std::string slave_run_directory;  // usually "latest"
  std::string docker_registry;
  std::string source;      // the file it came from
  nlohmann::json raw = nlohmann::json::object();  // the entry as written (name filled in)
};

// Where to look: the value of $BOREALIS_CLUSTERS (nullopt when unset) and $HOME.
struct ClusterSearch {
  std::optional<std::string> clusters_env;
  std::string home;
  std::string etc_dir = "/etc/borealis";
  std::string aurora_config_root = "/etc/aurora";  // $AURORA_CONFIG_ROOT when set

  // The files to read, in order.
  std::vector<std::string> Paths() const;
  // Reads $BOREALIS_CLUSTERS, $AURORA_CONFIG_ROOT and $HOME (falling back to the passwd
  // entry).
  static ClusterSearch FromEnvironment();
};

// Parses one clusters.json document; `source` names it in errors and in ClusterConfig.
absl::StatusOr<std::vector<ClusterConfig>> ParseClustersJson(const std::string& text,
                                                             const std::string& source);

// The cluster called `name`: NotFound "unknown cluster 'x'; known: a, b" when no file
// defines it (known lists every name seen, sorted; "none" when there are none).
absl::StatusOr<ClusterConfig> FindCluster(const ClusterSearch& search, const std::string& name);

// The base URL of the cluster's scheduler ("http://host:port", no trailing '/'), or
// Unimplemented naming the cluster when the entry only has ZooKeeper discovery ("...
// ZooKeeper discovery is not supported yet ...") or asks for an auth_mechanism the client
// does not speak.
absl::StatusOr<std::string> SchedulerUri(const ClusterConfig& cluster);

// The base of URLs shown to users, as Aurora's client picks it: proxy_url when set (kept
// as written), else SchedulerUri().
absl::StatusOr<std::string> WebUrl(const ClusterConfig& cluster);

// The Aurora clusters.json entry for a directly addressed scheduler.
nlohmann::json ClusterEntryJson(const std::string& name, const std::string& scheduler_uri);

// Adds or replaces the entry named like `entry["name"]` in the list at `path`, keeping the
// others; creates the file (and its directory) when missing. Written atomically.
absl::Status MergeClusterEntry(const std::string& path, const nlohmann::json& entry);

}  // namespace borealis::cli
