#include "borealis/scheduler/coordinator_client.h"

#include <memory>
#include <utility>

#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "borealis/net/http_client.h"
#include "borealis/net/url.h"
#include "borealis/wire/codec.h"
#include "borealis/wire/convert.h"
#include "borealis/wire/idl_table.h"
#include "borealis/wire/named_json.h"

namespace borealis::scheduler {

absl::StatusOr<CoordinatorUrl> ParseCoordinatorUrl(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  auto bad = [&](const char* why) {
    return absl::InvalidArgumentError(
        absl::StrCat("coordinatorUrl '", url, "': ", why));
  };
  if (url.rfind(kScheme, 0) != 0) return bad("only http:// URLs are supported");
  const std::string rest = url.substr(kScheme.size());
  const size_t slash = rest.find_first_of("/?");
  const std::string authority = rest.substr(0, slash);
  CoordinatorUrl out;
  out.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (out.target[0] == '?') out.target = "/" + out.target;
  const size_t colon = authority.rfind(':');
  out.host = authority.substr(0, colon);
  if (colon != std::string::npos &&
      (!absl::SimpleAtoi(authority.substr(colon + 1), &out.port) || out.port <= 0 ||
       out.port > 65535)) {
    return bad("bad port");
  }
  if (out.host.empty()) return bad("no host");
  return out;
}

std::string CoordinatorBody(const CoordinatorQuery& query) {
  nlohmann::ordered_json body = nlohmann::ordered_json::object();
  if (query.task) {
    auto task = wire::TJsonStructToNatural(wire::ApiIdl(), "ScheduledTask",
                                           wire::SerializeJson(wire::ToThrift(*query.task)));
    if (task.ok()) body["taskConfig"] = *task;
  }
  body["task"] = query.task_key;
  body["forceMaintenanceCountdownMs"] = std::to_string(query.countdown_ms);
  return body.dump();
}

CoordinatorAnswer ReadCoordinatorReply(const CoordinatorQuery& query, int http_status,
                                       const std::string& body) {
  CoordinatorAnswer answer;
  answer.id = query.id;
  answer.reached = true;
  if (http_status != 200) {
    answer.error = absl::StrCat("HTTP ", http_status);
    return answer;
  }
  nlohmann::json reply = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!reply.is_object()) {
    answer.error = "the reply is not a JSON object";
    return answer;
  }
  answer.ok = true;
  auto it = reply.find(query.status_key);
  answer.allowed = it != reply.end() && it->is_boolean() && it->get<bool>();
  return answer;
}

CoordinatorClient::~CoordinatorClient() {
  std::vector<Call> calls;
  {
    base::MutexLock lock(&mu_);
    calls = std::move(calls_);
  }
  for (Call& c : calls) c.thread.join();
}

void CoordinatorClient::Ask(CoordinatorQuery query, std::function<void(CoordinatorAnswer)> done) {
  const int timeout_ms = timeout_ms_;
  auto finished = std::make_shared<std::atomic<bool>>(false);
  std::thread t([query = std::move(query), done = std::move(done), timeout_ms, finished] {
    struct Mark {
      std::atomic<bool>& flag;
      ~Mark() { flag.store(true); }
    } mark{*finished};
    CoordinatorAnswer answer;
    answer.id = query.id;
    auto url = ParseCoordinatorUrl(query.url);
    if (!url.ok()) {
      answer.error = std::string(url.status().message());
      done(answer);
      return;
    }
    const std::string sep = url->target.find('?') == std::string::npos ? "?" : "&";
    const std::string target =
        absl::StrCat(url->target, sep, "task=", net::PercentEncode(query.task_key, true));
    auto reply = net::HttpCall("POST", url->host, url->port, target, CoordinatorBody(query),
                               "application/json", timeout_ms);
    if (!reply.ok()) {
      answer.error = std::string(reply.status().message());
      done(answer);
      return;
    }
    done(ReadCoordinatorReply(query, reply->status, reply->body));
  });
  std::vector<Call> done_calls;
  {
    base::MutexLock lock(&mu_);
    for (auto it = calls_.begin(); it != calls_.end();) {
      if (it->finished->load()) {
        done_calls.push_back(std::move(*it));
        it = calls_.erase(it);
      } else {
        ++it;
      }
    }
    calls_.push_back(Call{std::move(t), std::move(finished)});
  }
  for (Call& c : done_calls) c.thread.join();
}

}  // namespace borealis::scheduler
