// clusters.json lookup (see clusters.h).
#include "borealis/cli/clusters.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "borealis/cli/files.h"

namespace borealis::cli {
namespace {

using nlohmann::json;

absl::Status EntryError(const std::string& source, const std::string& where,
                        const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(source, ": ", where, ": ", what));
}

absl::StatusOr<ClusterConfig> ParseEntry(const json& entry, const std::string& source,
                                         const std::string& where) {
  ClusterConfig c;
  c.source = source;
  for (const auto& item : entry.items()) {
    // Named, not a structured binding: Clang 14 (make check-threads) cannot capture those.
    const std::string& key = item.key();
    const json& value = item.value();
    auto string_field = [&](std::string* out) -> absl::Status {
      if (!value.is_string()) return EntryError(source, where + "." + key, "expected a string");
      *out = value.get<std::string>();
      return absl::OkStatus();
    };
    absl::Status s;
    if (key == "name") {
      s = string_field(&c.name);
    } else if (key == "scheduler_uri") {
      s = string_field(&c.scheduler_uri);
    } else if (key == "zk") {
      s = string_field(&c.zk);
    } else if (key == "scheduler_zk_path") {
      s = string_field(&c.scheduler_zk_path);
    } else if (key == "proxy_url") {
      s = string_field(&c.proxy_url);
    } else if (key == "auth_mechanism") {
      s = string_field(&c.auth_mechanism);
    } else if (key == "slave_root") {
      s = string_field(&c.slave_root);
    } else if (key == "slave_run_directory") {
      s = string_field(&c.slave_run_directory);
    } else if (key == "docker_registry") {
      s = string_field(&c.docker_registry);
    } else if (key == "zk_port") {
      if (!value.is_number_integer()) {
        s = EntryError(source, where + ".zk_port", "expected an integer");
      } else {
        c.zk_port = value.get<int>();
      }
    }
    // Other keys are kept (in `raw`) as Aurora keeps them for plugins; unused here.
    if (!s.ok()) return s;
  }
  c.raw = entry;
  return c;
}

std::string NameOf(const json& entry) {
  if (!entry.is_object()) return "";
  auto it = entry.find("name");
  return it != entry.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string HomeFromPasswd() {
  struct passwd* pw = getpwuid(geteuid());
  return pw != nullptr && pw->pw_dir != nullptr ? pw->pw_dir : "";
}

}  // namespace

std::vector<std::string> ClusterSearch::Paths() const {
  if (clusters_env.has_value()) return {*clusters_env};
  std::vector<std::string> paths;
  if (!home.empty()) paths.push_back(home + "/.borealis/clusters.json");
  paths.push_back(etc_dir + "/clusters.json");
  if (!home.empty()) paths.push_back(home + "/.aurora/clusters.json");
  paths.push_back(aurora_config_root + "/clusters.json");
  return paths;
}

ClusterSearch ClusterSearch::FromEnvironment() {
  ClusterSearch search;
  if (const char* env = std::getenv("BOREALIS_CLUSTERS"); env != nullptr && *env != '\0') {
    search.clusters_env = env;
  }
  if (const char* root = std::getenv("AURORA_CONFIG_ROOT"); root != nullptr && *root != '\0') {
    search.aurora_config_root = root;
  }
  const char* home = std::getenv("HOME");
  search.home = home != nullptr && *home != '\0' ? home : HomeFromPasswd();
  return search;
}

absl::StatusOr<std::vector<ClusterConfig>> ParseClustersJson(const std::string& text,
                                                             const std::string& source) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": not valid JSON"));
  }
  std::vector<ClusterConfig> out;
  if (doc.is_array()) {
    for (size_t i = 0; i < doc.size(); ++i) {
      const std::string where = absl::StrCat("[", i, "]");
      if (!doc[i].is_object()) return EntryError(source, where, "expected an object");
      auto c = ParseEntry(doc[i], source, where);
      if (!c.ok()) return c.status();
      if (!c->name.empty()) out.push_back(*std::move(c));
    }
  } else if (doc.is_object()) {
    for (const auto& [key, value] : doc.items()) {
      if (!value.is_object()) return EntryError(source, key, "expected an object");
      auto c = ParseEntry(value, source, key);
      if (!c.ok()) return c.status();
      if (c->name.empty()) {
        c->name = key;
        c->raw["name"] = key;
      }
      out.push_back(*std::move(c));
    }
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": expected a list of cluster objects"));
  }
  return out;
}

absl::StatusOr<ClusterConfig> FindCluster(const ClusterSearch& search, const std::string& name) {
  std::set<std::string> known;
  for (const std::string& path : search.Paths()) {
    auto text = ReadFile(path);
    if (absl::IsNotFound(text.status())) continue;
    if (!text.ok()) return text.status();
    auto clusters = ParseClustersJson(*text, path);
    if (!clusters.ok()) return clusters.status();
    for (ClusterConfig& c : *clusters) {
      if (c.name == name) return std::move(c);
      known.insert(c.name);
    }
  }
  return absl::NotFoundError(absl::StrCat("unknown cluster '", name, "'; known: ",
                                          known.empty() ? "none" : absl::StrJoin(known, ", ")));
}

absl::StatusOr<std::string> SchedulerUri(const ClusterConfig& cluster) {
  if (cluster.scheduler_uri.empty()) {
    if (!cluster.zk.empty()) {
      return absl::UnimplementedError(absl::StrCat(
          "cluster '", cluster.name, "' (", cluster.source,
          ") finds its scheduler through ZooKeeper (zk): ZooKeeper discovery is not "
          "supported yet; give it a scheduler_uri"));
    }
    return absl::InvalidArgumentError(absl::StrCat("cluster '", cluster.name, "' (",
                                                   cluster.source, ") has no scheduler_uri"));
  }
  if (cluster.auth_mechanism != "UNAUTHENTICATED") {
    return absl::UnimplementedError(
        absl::StrCat("cluster '", cluster.name, "' (", cluster.source, ") asks for auth_mechanism ",
                     cluster.auth_mechanism, ", which is not supported yet"));
  }
  std::string uri = cluster.scheduler_uri;
  while (!uri.empty() && uri.back() == '/') uri.pop_back();
  return uri;
}

absl::StatusOr<std::string> WebUrl(const ClusterConfig& cluster) {
  if (!cluster.proxy_url.empty()) return cluster.proxy_url;
  return SchedulerUri(cluster);
}

nlohmann::json ClusterEntryJson(const std::string& name, const std::string& scheduler_uri) {
  return json{{"name", name}, {"scheduler_uri", scheduler_uri}};
}

absl::Status MergeClusterEntry(const std::string& path, const nlohmann::json& entry) {
  json list = json::array();
  auto text = ReadFile(path);
  if (text.ok()) {
    list = json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (list.is_discarded() || !list.is_array()) {
      return absl::FailedPreconditionError(absl::StrCat(
          path, ": not a JSON list of clusters; fix or remove it to add '",
          NameOf(entry), "'"));
    }
  } else if (!absl::IsNotFound(text.status())) {
    return text.status();
  }
  json merged = json::array();
  for (const json& e : list) {
    if (NameOf(e) == NameOf(entry)) continue;
    merged.push_back(e);
  }
  merged.push_back(entry);
  return WriteFileAtomically(path, merged.dump(2) + "\n");
}

}  // namespace borealis::cli
