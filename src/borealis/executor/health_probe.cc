// Health and lifecycle probes (see health_probe.h).
#include "borealis/executor/health_probe.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace borealis::executor {
namespace {

constexpr size_t kMaxReplyBytes = 1 << 20;

int64_t MonoMs(const base::Clock& clock) { return clock.MonoNowNs() / 1'000'000; }

// Closes the descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Waits for `events` on `fd` until the monotonic `deadline_ms`.
absl::Status WaitFor(int fd, short events, int64_t deadline_ms, const base::Clock& clock,
                     int64_t timeout_ms) {
  while (true) {
    int64_t left = deadline_ms - MonoMs(clock);
    if (left <= 0) {
      return absl::DeadlineExceededError(absl::StrCat("timed out after ", timeout_ms, " ms"));
    }
    pollfd pfd{fd, events, 0};
    int rc = ::poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left, 60'000)));
    if (rc > 0) return absl::OkStatus();
    if (rc < 0 && errno != EINTR) {
      return absl::InternalError(absl::StrCat("poll: ", std::strerror(errno)));
    }
  }
}

// A non-blocking socket connected to 127.0.0.1:port, or why not.
absl::StatusOr<int> Connect(int port, int64_t deadline_ms, const base::Clock& clock,
                            int64_t timeout_ms) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string where = absl::StrCat("127.0.0.1:", port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (errno != EINPROGRESS) {
      std::string why = std::strerror(errno);
      ::close(fd);
      return absl::UnavailableError(absl::StrCat("connect to ", where, ": ", why));
    }
    absl::Status ready = WaitFor(fd, POLLOUT, deadline_ms, clock, timeout_ms);
    int err = 0;
    socklen_t len = sizeof(err);
    if (ready.ok() && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (!ready.ok() || err != 0) {
      ::close(fd);
      return absl::UnavailableError(absl::StrCat(
          "connect to ", where, ": ", ready.ok() ? std::strerror(err) : ready.message()));
    }
  }
  return fd;
}

absl::StatusOr<HttpReply> ParseReply(const std::string& raw) {
  size_t head_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/", 0) != 0 || head_end == std::string::npos) {
    return absl::DataLossError("malformed HTTP reply");
  }
  size_t space = raw.find(' ');
  HttpReply reply;
  if (space == std::string::npos || space + 4 > raw.size() ||
      !absl::SimpleAtoi(absl::string_view(raw).substr(space + 1, 3), &reply.code)) {
    return absl::DataLossError("malformed HTTP status line");
  }
  reply.body = raw.substr(head_end + 4);
  std::string head = absl::AsciiStrToLower(raw.substr(0, head_end));
  size_t cl = head.find("\r\ncontent-length:");
  if (cl != std::string::npos) {
    size_t start = cl + 17;
    size_t end = head.find("\r\n", start);
    size_t length = 0;
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(head.substr(start, end - start)), &length) &&
        length < reply.body.size()) {
      reply.body.resize(length);
    }
  }
  return reply;
}

}  // namespace

absl::StatusOr<HttpReply> HttpCall(const std::string& method, int port, const std::string& path,
                                   int64_t timeout_ms, const base::Clock& clock) {
  int64_t deadline = MonoMs(clock) + timeout_ms;
  absl::StatusOr<int> connected = Connect(port, deadline, clock, timeout_ms);
  if (!connected.ok()) return connected.status();
  Fd fd(*connected);
  std::string request = absl::StrCat(method, " ", path, " HTTP/1.0\r\nHost: localhost:", port,
                                     "\r\nUser-Agent: borealis-executor\r\nContent-Length: 0"
                                     "\r\nConnection: close\r\n\r\n");
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(fd.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      absl::Status ready = WaitFor(fd.get(), POLLOUT, deadline, clock, timeout_ms);
      if (!ready.ok()) return ready;
    } else {
      return absl::UnavailableError(absl::StrCat("send: ", std::strerror(errno)));
    }
  }
  std::string raw;
  char buf[4096];
  while (raw.size() < kMaxReplyBytes) {
    ssize_t n = ::recv(fd.get(), buf, sizeof(buf), 0);
    if (n > 0) {
      raw.append(buf, static_cast<size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno == EAGAIN || errno == EINTR) {
      absl::Status ready = WaitFor(fd.get(), POLLIN, deadline, clock, timeout_ms);
      if (!ready.ok()) return ready;
    } else {
      return absl::UnavailableError(absl::StrCat("recv: ", std::strerror(errno)));
    }
  }
  return ParseReply(raw);
}

absl::Status TcpProbe(int port, int64_t timeout_ms, const base::Clock& clock) {
  absl::StatusOr<int> connected = Connect(port, MonoMs(clock) + timeout_ms, clock, timeout_ms);
  if (!connected.ok()) return connected.status();
  ::close(*connected);
  return absl::OkStatus();
}

absl::Status CheckHttpResponse(const HttpReply& reply, const std::string& expected_body,
                               int expected_code) {
  if (expected_code != 0) {
    if (reply.code == expected_code) return absl::OkStatus();
    return absl::FailedPreconditionError(
        absl::StrCat("expected HTTP status ", expected_code, ", got ", reply.code));
  }
  if (reply.code < 200 || reply.code > 299) {
    return absl::FailedPreconditionError(absl::StrCat("HTTP status ", reply.code));
  }
  if (expected_body.empty()) return absl::OkStatus();
  std::string got = absl::AsciiStrToLower(absl::StripAsciiWhitespace(reply.body));
  std::string want = absl::AsciiStrToLower(absl::StripAsciiWhitespace(expected_body));
  if (got == want) return absl::OkStatus();
  std::string shown = got.size() > 64 ? absl::StrCat(got.substr(0, 64), "...") : got;
  return absl::FailedPreconditionError(
      absl::StrCat("expected response '", expected_body, "', got '", shown, "'"));
}

BackgroundCall::BackgroundCall() : event_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

BackgroundCall::~BackgroundCall() {
  if (thread_.joinable()) thread_.join();
  if (event_fd_ >= 0) ::close(event_fd_);
}

void BackgroundCall::Start(std::function<absl::Status()> work) {
  if (thread_.joinable()) {  // a result nobody took: drop it
    thread_.join();
    uint64_t count = 0;
    if (::read(event_fd_, &count, sizeof(count)) < 0) count = 0;
  }
  thread_ = std::thread([this, work = std::move(work)] {
    result_ = work();
    uint64_t one = 1;
    if (::write(event_fd_, &one, sizeof(one)) < 0) {
      // Nothing to do: the owner also polls with a timeout and calls Take().
    }
  });
}

std::optional<absl::Status> BackgroundCall::Take() {
  if (!thread_.joinable()) return std::nullopt;
  uint64_t count = 0;
  if (::read(event_fd_, &count, sizeof(count)) != static_cast<ssize_t>(sizeof(count))) {
    return std::nullopt;
  }
  thread_.join();
  return result_;
}

}  // namespace borealis::executor
