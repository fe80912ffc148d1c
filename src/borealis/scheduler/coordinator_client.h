// CoordinatorClient: asks SLA coordinators whether a task may be drained
// (docs/maintenance.md, "Coordinator policies"), off the core's thread.
//
// Ask() starts a thread that POSTs to `<coordinator_url>?task=<task key>` the JSON body
// {"taskConfig": <the task>, "task": "<task key>", "forceMaintenanceCountdownMs": "<ms>"}
// and hands the answer to `done` (on that thread): allowed when the coordinator answers
// HTTP 200 with a JSON object whose `status_key` member is true. Only http:// URLs are
// supported; anything else is an unreachable coordinator.
//
// Thread contract: Ask() from any thread; the destructor waits for the calls in flight.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "borealis/base/mutex.h"
#include "borealis/scheduler/components/maintenance_controller.h"

namespace borealis::scheduler {

struct CoordinatorUrl {
  std::string host;
  int port = 80;
  std::string target;  // path and query, "/" at least
};
// Splits "http://host[:port][/path][?query]"; InvalidArgument naming the URL otherwise.
absl::StatusOr<CoordinatorUrl> ParseCoordinatorUrl(const std::string& url);

// The POST body for `query` (a JSON object).
std::string CoordinatorBody(const CoordinatorQuery& query);

// The answer to `query` from an HTTP status and body.
CoordinatorAnswer ReadCoordinatorReply(const CoordinatorQuery& query, int http_status,
                                       const std::string& body);

class CoordinatorClient {
 public:
  explicit CoordinatorClient(int timeout_ms) : timeout_ms_(timeout_ms) {}
  ~CoordinatorClient();
  CoordinatorClient(const CoordinatorClient&) = delete;
  CoordinatorClient& operator=(const CoordinatorClient&) = delete;

  void Ask(CoordinatorQuery query, std::function<void(CoordinatorAnswer)> done);

 private:
  struct Call {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> finished;
  };
  const int timeout_ms_;
  base::Mutex mu_;
  std::vector<Call> calls_ ABSL_GUARDED_BY(mu_);  // finished ones are joined by the next Ask
};

}  // namespace borealis::scheduler
