// FakeScheduler: Aurora's Thrift API (TJSON on POST /api) on a loopback port, answering
// each method with a fixed Response the test sets, so that the CLI's output and exit
// codes can be checked against known replies. Task queries that name a job get the
// reply's tasks of that job only. A method without a reply answers ERROR
// ("no reply set for <method>"); SetHttpStatus makes every call fail at the HTTP level.
// Test-only (the CLI's golden-output tests and the exit-code integration test).
//
// Thread contract: the replies are read on the server's handler threads; set them from
// any thread, under the fake's mutex.
#pragma once

#include <thrift/protocol/TJSONProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "borealis/base/mutex.h"
#include "borealis/net/http_server.h"
#include "gen-cpp/AuroraAdmin.h"

namespace borealis::cli {

class FakeScheduler {
 public:
  FakeScheduler() : handler_(std::make_shared<Handler>(this)), server_(net::HttpServer::Options{}) {
    server_.Route("POST", "/api", [this](const net::HttpRequest& r) { return Serve(r); });
    started_ = server_.Start().ok();
  }
  ~FakeScheduler() { server_.Stop(); }

  bool started() const { return started_; }
  std::string uri() const { return absl::StrCat("http://127.0.0.1:", server_.port()); }

  // `method` answers `response` from now on.
  void SetReply(const std::string& method, api::Response response) ABSL_LOCKS_EXCLUDED(mu_) {
    base::MutexLock lock(&mu_);
    replies_[method] = std::move(response);
  }
  // A Response with code OK and `result` set.
  static api::Response Ok(const api::Result& result) {
    api::Response r;
    r.__set_responseCode(api::ResponseCode::OK);
    r.__set_result(result);
    return r;
  }
  // A refusal with `code` and one detail message.
  static api::Response Refusal(api::ResponseCode::type code, const std::string& message) {
    api::Response r;
    r.__set_responseCode(code);
    api::ResponseDetail detail;
    detail.__set_message(message);
    r.__set_details({detail});
    return r;
  }
  // Every /api call answers this HTTP status (0: answer normally again).
  void SetHttpStatus(int status) ABSL_LOCKS_EXCLUDED(mu_) {
    base::MutexLock lock(&mu_);
    http_status_ = status;
  }
  // The methods called so far, in order.
  std::vector<std::string> calls() const ABSL_LOCKS_EXCLUDED(mu_) {
    base::MutexLock lock(&mu_);
    return calls_;
  }

 private:
  // Answers each method the CLI calls from the replies set.
  class Handler : public api::AuroraAdminNull {
   public:
    explicit Handler(FakeScheduler* fake) : fake_(fake) {}
    void getJobSummary(api::Response& r, const std::string&) override { r = fake_->Answer("getJobSummary"); }
    void getTasksStatus(api::Response& r, const api::TaskQuery& q) override {
      r = OfJob(fake_->Answer("getTasksStatus"), q);
    }
    void getTasksWithoutConfigs(api::Response& r, const api::TaskQuery& q) override {
      r = OfJob(fake_->Answer("getTasksWithoutConfigs"), q);
    }
    void getPendingReason(api::Response& r, const api::TaskQuery&) override { r = fake_->Answer("getPendingReason"); }
    void getJobs(api::Response& r, const std::string&) override { r = fake_->Answer("getJobs"); }
    void getQuota(api::Response& r, const std::string&) override { r = fake_->Answer("getQuota"); }
    void getJobUpdateSummaries(api::Response& r, const api::JobUpdateQuery&) override {
      r = fake_->Answer("getJobUpdateSummaries");
    }
    void getJobUpdateDetails(api::Response& r, const api::JobUpdateKey&, const api::JobUpdateQuery&) override {
      r = fake_->Answer("getJobUpdateDetails");
    }
    void createJob(api::Response& r, const api::JobConfiguration&) override { r = fake_->Answer("createJob"); }
    void scheduleCronJob(api::Response& r, const api::JobConfiguration&) override {
      r = fake_->Answer("scheduleCronJob");
    }
    void descheduleCronJob(api::Response& r, const api::JobKey&) override { r = fake_->Answer("descheduleCronJob"); }
    void startCronJob(api::Response& r, const api::JobKey&) override { r = fake_->Answer("startCronJob"); }
    void killTasks(api::Response& r, const api::JobKey&, const std::set<int32_t>&, const std::string&) override {
      r = fake_->Answer("killTasks");
    }
    void addInstances(api::Response& r, const api::InstanceKey&, const int32_t) override {
      r = fake_->Answer("addInstances");
    }
    void pauseJobUpdate(api::Response& r, const api::JobUpdateKey&, const std::string&) override {
      r = fake_->Answer("pauseJobUpdate");
    }
    void resumeJobUpdate(api::Response& r, const api::JobUpdateKey&, const std::string&) override {
      r = fake_->Answer("resumeJobUpdate");
    }
    void abortJobUpdate(api::Response& r, const api::JobUpdateKey&, const std::string&) override {
      r = fake_->Answer("abortJobUpdate");
    }

   private:
    // The reply's tasks of the job the query names (all of them when it names none).
    static api::Response OfJob(api::Response r, const api::TaskQuery& q) {
      if (!q.__isset.jobName || !r.result.__isset.scheduleStatusResult) return r;
      std::vector<api::ScheduledTask>& tasks = r.result.scheduleStatusResult.tasks;
      std::erase_if(tasks, [&q](const api::ScheduledTask& t) {
        return t.assignedTask.task.job.name != q.jobName;
      });
      return r;
    }

    FakeScheduler* fake_;
  };

  api::Response Answer(const std::string& method) ABSL_LOCKS_EXCLUDED(mu_) {
    base::MutexLock lock(&mu_);
    calls_.push_back(method);
    auto it = replies_.find(method);
    if (it != replies_.end()) return it->second;
    return Refusal(api::ResponseCode::ERROR, "no reply set for " + method);
  }

  net::HttpResponse Serve(const net::HttpRequest& request) ABSL_LOCKS_EXCLUDED(mu_) {
    using apache::thrift::protocol::TJSONProtocol;
    using apache::thrift::transport::TMemoryBuffer;
    {
      base::MutexLock lock(&mu_);
      if (http_status_ != 0) return net::HttpResponse::Text(http_status_, "refused by the fake\n");
    }
    auto in = std::make_shared<TMemoryBuffer>(
        reinterpret_cast<uint8_t*>(const_cast<char*>(request.body.data())),
        static_cast<uint32_t>(request.body.size()), TMemoryBuffer::COPY);
    auto out = std::make_shared<TMemoryBuffer>();
    api::AuroraAdminProcessor processor(handler_);
    try {
      processor.process(std::make_shared<TJSONProtocol>(in), std::make_shared<TJSONProtocol>(out),
                        nullptr);
    } catch (const std::exception& e) {
      return net::HttpResponse::Text(400, absl::StrCat("malformed Thrift request: ", e.what()));
    }
    return net::HttpResponse::Of(200, "application/vnd.apache.thrift.json",
                                 out->getBufferAsString());
  }

  std::shared_ptr<Handler> handler_;
  net::HttpServer server_;
  bool started_ = false;
  mutable base::Mutex mu_;
  std::map<std::string, api::Response> replies_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> calls_ ABSL_GUARDED_BY(mu_);
  int http_status_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace borealis::cli
