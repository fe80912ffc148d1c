// A streamed HTTP response read line by line (see http_line_stream.h).
#include "borealis/net/http_line_stream.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "borealis/base/clock.h"

namespace borealis::net {
namespace {

int64_t NowMs() { return base::RealClock::Get().MonoNowNs() / 1'000'000; }

absl::StatusOr<int> Connect(const std::string& host, int port, int timeout_ms) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &res); rc != 0) {
    return absl::UnavailableError(absl::StrCat("cannot resolve ", host, ": ", gai_strerror(rc)));
  }
  int fd = -1;
  std::string error = "no address";
  for (addrinfo* a = res; a != nullptr && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
      error = strerror(errno);
      close(fd);
      fd = -1;
      continue;
    }
    pollfd p{fd, POLLOUT, 0};
    int soerr = 0;
    socklen_t len = sizeof(soerr);
    if (poll(&p, 1, timeout_ms) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 ||
        soerr != 0) {
      error = soerr != 0 ? strerror(soerr) : "timed out";
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat("cannot connect to ", host, ":", port, ": ", error));
  }
  return fd;
}

}  // namespace

HttpLineStream::~HttpLineStream() {
  if (fd_ >= 0) close(fd_);
}

absl::StatusOr<bool> HttpLineStream::Fill(int timeout_ms) {
  pollfd p{fd_, POLLIN, 0};
  int rc = poll(&p, 1, std::max(timeout_ms, 0));
  if (rc < 0 && errno != EINTR) return absl::UnavailableError(strerror(errno));
  if (rc <= 0) return false;
  char buf[16384];
  ssize_t n = read(fd_, buf, sizeof(buf));
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return true;
    return absl::UnavailableError(absl::StrCat("reading the stream: ", strerror(errno)));
  }
  if (n == 0) {
    ended_ = true;
    return true;
  }
  raw_.append(buf, static_cast<size_t>(n));
  return true;
}

absl::Status HttpLineStream::Decode() {
  if (!chunked_) {
    body_ += raw_;
    raw_.clear();
    return absl::OkStatus();
  }
  while (true) {
    const size_t eol = raw_.find("\r\n");
    if (eol == std::string::npos) return absl::OkStatus();
    std::string size_text = raw_.substr(0, eol);
    if (size_t semi = size_text.find(';'); semi != std::string::npos) size_text.resize(semi);
    uint64_t size = 0;
    if (!absl::SimpleHexAtoi(absl::StripAsciiWhitespace(size_text), &size)) {
      return absl::UnavailableError("malformed chunk in the stream");
    }
    if (size == 0) {
      ended_ = true;
      raw_.clear();
      return absl::OkStatus();
    }
    if (raw_.size() < eol + 2 + size + 2) return absl::OkStatus();
    body_.append(raw_, eol + 2, size);
    raw_.erase(0, eol + 2 + size + 2);
  }
}

absl::StatusOr<std::unique_ptr<HttpLineStream>> HttpLineStream::Open(const std::string& host,
                                                                     int port,
                                                                     const std::string& target,
                                                                     int timeout_ms) {
  const int64_t deadline = NowMs() + timeout_ms;
  absl::StatusOr<int> fd = Connect(host, port, timeout_ms);
  if (!fd.ok()) return fd.status();
  std::unique_ptr<HttpLineStream> s(new HttpLineStream(*fd));
  const std::string request = absl::StrCat("GET ", target, " HTTP/1.1\r\nHost: ", host, ":", port,
                                           "\r\nAccept: application/x-ndjson\r\n\r\n");
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = write(s->fd_, request.data() + sent, request.size() - sent);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      return absl::UnavailableError(absl::StrCat("sending to ", host, ":", port, ": ", strerror(errno)));
    }
    if (n > 0) sent += static_cast<size_t>(n);
    if (n < 0) {
      pollfd p{s->fd_, POLLOUT, 0};
      poll(&p, 1, 100);
    }
  }
  size_t header_end;
  while ((header_end = s->raw_.find("\r\n\r\n")) == std::string::npos) {
    const int64_t left = deadline - NowMs();
    if (left <= 0) {
      return absl::DeadlineExceededError(absl::StrCat("no answer from ", host, ":", port, target));
    }
    absl::StatusOr<bool> got = s->Fill(static_cast<int>(left));
    if (!got.ok()) return got.status();
    if (s->ended_) {
      return absl::UnavailableError(absl::StrCat(host, ":", port, " closed the connection"));
    }
  }
  const std::string header = s->raw_.substr(0, header_end);
  s->raw_.erase(0, header_end + 4);
  int status = 0;
  if (header.size() < 12 || !absl::SimpleAtoi(header.substr(9, 3), &status)) {
    return absl::UnavailableError("malformed HTTP answer");
  }
  s->chunked_ = absl::StrContains(absl::AsciiStrToLower(header), "transfer-encoding: chunked");
  if (status != 200) {
    // What came with the header (a short error body), and a little more.
    while (!s->ended_ && s->raw_.size() < 4096 && NowMs() < deadline) {
      absl::StatusOr<bool> got = s->Fill(static_cast<int>(std::min<int64_t>(deadline - NowMs(), 200)));
      if (!got.ok() || !*got) break;
    }
    (void)s->Decode();
    const std::string message =
        absl::StrCat("GET ", target, " answered ", status, ": ",
                     absl::StripAsciiWhitespace(s->body_.empty() ? s->raw_ : s->body_));
    if (status == 410) return absl::FailedPreconditionError(message);
    if (status == 404) return absl::NotFoundError(message);
    return absl::UnavailableError(message);
  }
  if (absl::Status d = s->Decode(); !d.ok()) return d;
  return s;
}

absl::StatusOr<std::optional<std::string>> HttpLineStream::NextLine(int timeout_ms) {
  const int64_t deadline = NowMs() + timeout_ms;
  while (true) {
    if (size_t nl = body_.find('\n'); nl != std::string::npos) {
      std::string line = body_.substr(0, nl);
      body_.erase(0, nl + 1);
      return std::optional<std::string>(std::move(line));
    }
    if (ended_) return absl::OutOfRangeError("the stream ended");
    const int64_t left = deadline - NowMs();
    if (left <= 0) return std::optional<std::string>();
    absl::StatusOr<bool> got = Fill(static_cast<int>(left));
    if (!got.ok()) return got.status();
    if (absl::Status d = Decode(); !d.ok()) return d;
  }
}

}  // namespace borealis::net
