// HttpLineStream: a blocking GET whose response body arrives over time (chunked, as the
// scheduler's GET /events sends it), read one line at a time. For CLIs and tests.
//
// Thread contract: one thread at a time per object. Nothing throws.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace borealis::net {

class HttpLineStream {
 public:
  // Connects, sends the request and reads the response header within `timeout_ms`. A
  // status other than 200 is an error carrying the status and the body's start
  // (FailedPrecondition for 410 Gone, NotFound for 404, Unavailable otherwise); a failed
  // connection is Unavailable, a timeout DeadlineExceeded.
  static absl::StatusOr<std::unique_ptr<HttpLineStream>> Open(const std::string& host, int port,
                                                              const std::string& target,
                                                              int timeout_ms);
  ~HttpLineStream();
  HttpLineStream(const HttpLineStream&) = delete;
  HttpLineStream& operator=(const HttpLineStream&) = delete;

  // The next line (without its newline), waiting at most `timeout_ms`: nullopt when none
  // came in time; OutOfRange once the body ended; Unavailable when the connection broke.
  absl::StatusOr<std::optional<std::string>> NextLine(int timeout_ms);

 private:
  explicit HttpLineStream(int fd) : fd_(fd) {}
  // Reads more bytes into raw_ within `timeout_ms`: false on timeout.
  absl::StatusOr<bool> Fill(int timeout_ms);
  // Moves whole chunks (or, unchunked, everything) from raw_ to body_.
  absl::Status Decode();

  int fd_;
  bool chunked_ = false;
  bool ended_ = false;
  std::string raw_;   // received, not yet decoded
  std::string body_;  // decoded, not yet returned as lines
};

}  // namespace borealis::net
