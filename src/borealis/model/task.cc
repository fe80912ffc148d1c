// SameTask: task equality that looks through the shared TaskConfig (see task.h).
#include "borealis/model/task.h"

namespace borealis::model {

bool SameTask(const Task& a, const Task& b) {
  const bool configs_equal =
      (a.config == b.config) || (a.config && b.config && *a.config == *b.config);
  return configs_equal && a.task_id == b.task_id && a.instance_id == b.instance_id &&
         a.agent_id == b.agent_id && a.agent_host == b.agent_host &&
         a.assigned_ports == b.assigned_ports && a.status == b.status &&
         a.failure_count == b.failure_count && a.times_partitioned == b.times_partitioned &&
         a.events == b.events && a.ancestor_id == b.ancestor_id;
}

}  // namespace borealis::model
