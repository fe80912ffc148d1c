// Non-template parts of the byte codecs of codec.h: buffers, protocol construction with
// input-size limits, and turning Thrift exceptions into statuses.
#include "borealis/wire/codec.h"

#include <climits>
#include <cstdio>
#include <cstdlib>

#include <thrift/TConfiguration.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/protocol/TJSONProtocol.h>

#include "absl/strings/str_cat.h"

namespace borealis::wire {

using apache::thrift::TConfiguration;
using apache::thrift::protocol::TBinaryProtocol;
using apache::thrift::protocol::TCompactProtocol;
using apache::thrift::protocol::TCompactProtocolT;
using apache::thrift::protocol::TBinaryProtocolT;
using apache::thrift::protocol::TJSONProtocol;
using apache::thrift::protocol::TProtocol;
using apache::thrift::transport::TMemoryBuffer;

namespace {

// Thrift's default cap (100 MiB) is too small for large snapshots; the real bound is the
// input itself (see ReadBuffer). Nesting deeper than this is never legitimate here.
constexpr int kMaxMessageBytes = INT_MAX;
constexpr int kMaxDepth = 64;

std::shared_ptr<TConfiguration> Configuration() {
  static const auto* config = new std::shared_ptr<TConfiguration>(
      std::make_shared<TConfiguration>(kMaxMessageBytes, kMaxMessageBytes, kMaxDepth));
  return *config;
}

int32_t Limit(size_t limit) {
  return limit > static_cast<size_t>(INT32_MAX) ? INT32_MAX : static_cast<int32_t>(limit);
}

}  // namespace

const char* ProtocolName(Protocol protocol) {
  switch (protocol) {
    case Protocol::kBinary:
      return "binary";
    case Protocol::kCompact:
      return "compact";
    case Protocol::kJson:
      return "json";
  }
  return "unknown";
}

namespace internal {

std::shared_ptr<TMemoryBuffer> WriteBuffer() {
  return std::make_shared<TMemoryBuffer>(Configuration());
}

std::shared_ptr<TMemoryBuffer> ReadBuffer(std::string_view bytes) {
  // OBSERVE never writes to the buffer, so dropping const is safe.
  auto* data = reinterpret_cast<uint8_t*>(const_cast<char*>(bytes.data()));
  auto buffer = std::make_shared<TMemoryBuffer>(bytes.empty() ? nullptr : data,
                                                static_cast<uint32_t>(bytes.size()),
                                                TMemoryBuffer::OBSERVE, Configuration());
  // Container headers are checked against this: no list may claim more elements than
  // the input could hold.
  buffer->updateKnownMessageSize(static_cast<long>(bytes.size()));
  return buffer;
}

std::shared_ptr<TProtocol> MakeProtocol(Protocol protocol, std::shared_ptr<TMemoryBuffer> buffer,
                                        size_t limit) {
  // Every string byte and every container element takes at least one input byte.
  const int32_t bound = Limit(limit);
  switch (protocol) {
    // Typed on the memory buffer, so that each byte written or read is a direct call
    // into the buffer instead of a virtual call through TTransport.
    case Protocol::kBinary:
      return std::make_shared<TBinaryProtocolT<TMemoryBuffer>>(buffer, bound, bound, false, true);
    case Protocol::kCompact:
      return std::make_shared<TCompactProtocolT<TMemoryBuffer>>(buffer, bound, bound);
    case Protocol::kJson:
      return std::make_shared<TJSONProtocol>(buffer);
  }
  return std::make_shared<TBinaryProtocol>(buffer, bound, bound, false, true);
}

absl::Status CheckInputSize(Protocol protocol, size_t size) {
  if (size <= static_cast<size_t>(kMaxMessageBytes)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(ProtocolName(protocol), " thrift data of ",
                                                 size, " bytes exceeds the limit of ",
                                                 kMaxMessageBytes));
}

absl::Status DecodeError(Protocol protocol, const std::exception& e, size_t total,
                         size_t remaining) {
  const size_t offset = remaining > total ? 0 : total - remaining;
  return absl::InvalidArgumentError(absl::StrCat("malformed ", ProtocolName(protocol),
                                                 " thrift data near byte ", offset, " of ",
                                                 total, ": ", e.what()));
}

absl::Status CheckConsumed(Protocol protocol, TMemoryBuffer& buffer, size_t total) {
  uint8_t* rest = nullptr;
  uint32_t size = 0;
  buffer.getBuffer(&rest, &size);
  size_t garbage = size;
  if (protocol == Protocol::kJson) {
    garbage = 0;
    for (uint32_t i = 0; i < size; ++i) {
      const char c = static_cast<char>(rest[i]);
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') ++garbage;
    }
  }
  if (garbage == 0) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("malformed ", ProtocolName(protocol),
                                                 " thrift data: ", size,
                                                 " unread byte(s) after the value at byte ",
                                                 total - size, " of ", total));
}

void EncodeFailed(Protocol protocol, const std::exception& e) {
  std::fprintf(stderr, "borealis: cannot encode %s thrift data: %s\n", ProtocolName(protocol),
               e.what());
  std::abort();
}

}  // namespace internal
}  // namespace borealis::wire
