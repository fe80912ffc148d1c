// Byte codecs for generated Thrift structs (api::, storage::, agentproto::): the binary,
// compact and JSON (TJSONProtocol) encodings of one struct, without a message envelope.
//
// Serialize* cannot fail for a well-formed struct; Deserialize* treats its input as
// untrusted: every Thrift exception becomes an InvalidArgument status, string and container
// sizes are bounded by the input length (no huge allocations from a forged length), the
// nesting depth is bounded, and the whole input must be consumed (JSON may end in
// whitespace). On error *out is left unchanged. Stateless and thread-safe.
#pragma once

#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <thrift/protocol/TProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include "absl/status/status.h"

namespace borealis::wire {

enum class Protocol { kBinary, kCompact, kJson };

// "binary", "compact", "json".
const char* ProtocolName(Protocol protocol);

namespace internal {

// An empty growable buffer for writing.
std::shared_ptr<apache::thrift::transport::TMemoryBuffer> WriteBuffer();
// OK when `size` bytes are within what the decoders accept (2 GiB).
absl::Status CheckInputSize(Protocol protocol, size_t size);
// A buffer that reads `bytes` (not copied: `bytes` must outlive it). Requires
// CheckInputSize(bytes.size()) to be OK.
std::shared_ptr<apache::thrift::transport::TMemoryBuffer> ReadBuffer(std::string_view bytes);
// A protocol of the given kind over `buffer`; for reading, sizes are limited to `limit`.
std::shared_ptr<apache::thrift::protocol::TProtocol> MakeProtocol(
    Protocol protocol, std::shared_ptr<apache::thrift::transport::TMemoryBuffer> buffer,
    size_t limit);
// The status for an exception thrown while decoding `total` bytes, of which `remaining`
// were not consumed.
absl::Status DecodeError(Protocol protocol, const std::exception& e, size_t total,
                         size_t remaining);
// OK when nothing but (for JSON) whitespace is left in `buffer`.
absl::Status CheckConsumed(Protocol protocol, apache::thrift::transport::TMemoryBuffer& buffer,
                           size_t total);
// Writing into memory only fails when memory is exhausted; there is no sensible recovery.
[[noreturn]] void EncodeFailed(Protocol protocol, const std::exception& e);

}  // namespace internal

template <typename T>
std::string Serialize(Protocol protocol, const T& value) {
  try {
    auto buffer = internal::WriteBuffer();
    auto writer = internal::MakeProtocol(protocol, buffer, 0);
    value.write(writer.get());
    return buffer->getBufferAsString();
  } catch (const std::exception& e) {
    internal::EncodeFailed(protocol, e);
  }
}

template <typename T>
absl::Status Deserialize(Protocol protocol, std::string_view bytes, T* out) {
  absl::Status size_ok = internal::CheckInputSize(protocol, bytes.size());
  if (!size_ok.ok()) return size_ok;
  std::shared_ptr<apache::thrift::transport::TMemoryBuffer> buffer;
  try {
    buffer = internal::ReadBuffer(bytes);
    auto reader = internal::MakeProtocol(protocol, buffer, bytes.size());
    T value;
    value.read(reader.get());
    absl::Status consumed = internal::CheckConsumed(protocol, *buffer, bytes.size());
    if (!consumed.ok()) return consumed;
    *out = std::move(value);
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return internal::DecodeError(protocol, e, bytes.size(),
                                 buffer ? buffer->available_read() : bytes.size());
  }
}

template <typename T>
std::string SerializeBinary(const T& value) {
  return Serialize(Protocol::kBinary, value);
}
template <typename T>
absl::Status DeserializeBinary(std::string_view bytes, T* out) {
  return Deserialize(Protocol::kBinary, bytes, out);
}

template <typename T>
std::string SerializeCompact(const T& value) {
  return Serialize(Protocol::kCompact, value);
}
template <typename T>
absl::Status DeserializeCompact(std::string_view bytes, T* out) {
  return Deserialize(Protocol::kCompact, bytes, out);
}

template <typename T>
std::string SerializeJson(const T& value) {
  return Serialize(Protocol::kJson, value);
}
template <typename T>
absl::Status DeserializeJson(std::string_view bytes, T* out) {
  return Deserialize(Protocol::kJson, bytes, out);
}

}  // namespace borealis::wire
