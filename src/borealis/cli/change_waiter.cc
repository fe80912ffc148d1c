// Waiting on the scheduler's event stream, or polling (see change_waiter.h).
#include "borealis/cli/change_waiter.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "borealis/net/url.h"

namespace borealis::cli {
namespace {

// Longest single wait on the stream: a safety net, the caller looks again after it.
constexpr int64_t kMaxStreamWaitMs = 5'000;

}  // namespace

ChangeWaiter::ChangeWaiter(CliContext& ctx, const SchedulerClient& client,
                           const model::JobKey& job, const std::string& types, int64_t poll_ms)
    : ctx_(ctx), poll_ms_(poll_ms) {
  const std::string query = absl::StrCat("job=", net::PercentEncode(job.ToString(), true),
                                         "&type=", net::PercentEncode(types));
  auto stream = client.OpenEvents(query);
  if (!stream.ok()) {
    FallBack(std::string(stream.status().message()));
    return;
  }
  stream_ = std::move(*stream);
  if (ctx_.verbose) ctx_.err << "Following the scheduler's event stream for " << job.ToString() << std::endl;
}

void ChangeWaiter::FallBack(const std::string& why) {
  stream_.reset();
  if (ctx_.verbose) {
    ctx_.err << "The scheduler's event stream is unavailable (" << why << "); polling every "
             << poll_ms_ << " ms" << std::endl;
  }
}

void ChangeWaiter::Wait(int64_t max_ms) {
  if (stream_ == nullptr) {
    ctx_.sleep_ms(std::min(poll_ms_, std::max<int64_t>(max_ms, 1)));
    return;
  }
  const int64_t wait_ms = std::clamp<int64_t>(max_ms, 1, kMaxStreamWaitMs);
  auto line = stream_->NextLine(static_cast<int>(wait_ms));
  if (!line.ok()) {
    FallBack(std::string(line.status().message()));
    return;
  }
  if (!line->has_value()) return;  // nothing within the wait: the caller looks anyway
  while (true) {  // take what else is there: one look covers them all
    auto more = stream_->NextLine(0);
    if (!more.ok()) {
      FallBack(std::string(more.status().message()));
      return;
    }
    if (!more->has_value()) return;
  }
}

}  // namespace borealis::cli
