// A write-only Thrift protocol that builds a JSON tree (see task_json.h). Each struct,
// list or map being written is a frame on a stack; a finished value goes to the frame
// below it: a struct puts it under the current field name, a list appends it, a map takes
// alternately a key and a value.
#include "borealis/cli/task_json.h"

#include <memory>
#include <utility>

#include <thrift/protocol/TVirtualProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include "absl/strings/str_cat.h"

namespace borealis::cli {
namespace {

using apache::thrift::protocol::TMessageType;
using apache::thrift::protocol::TType;
using nlohmann::json;

class JsonTreeProtocol : public apache::thrift::protocol::TVirtualProtocol<JsonTreeProtocol> {
 public:
  JsonTreeProtocol()
      : TVirtualProtocol(std::make_shared<apache::thrift::transport::TMemoryBuffer>()) {}

  json TakeResult() { return std::move(result_); }

  uint32_t writeMessageBegin(const std::string&, const TMessageType, const int32_t) { return 0; }
  uint32_t writeMessageEnd() { return 0; }
  uint32_t writeStructBegin(const char*) { return Push(Frame::kStruct, json::object()); }
  uint32_t writeStructEnd() { return Pop(); }
  uint32_t writeFieldBegin(const char* name, const TType, const int16_t) {
    stack_.back().field = name;
    return 0;
  }
  uint32_t writeFieldEnd() { return 0; }
  uint32_t writeFieldStop() { return 0; }
  uint32_t writeMapBegin(const TType, const TType, const uint32_t) {
    return Push(Frame::kMap, json::object());
  }
  uint32_t writeMapEnd() { return Pop(); }
  uint32_t writeListBegin(const TType, const uint32_t) { return Push(Frame::kList, json::array()); }
  uint32_t writeListEnd() { return Pop(); }
  uint32_t writeSetBegin(const TType, const uint32_t) { return Push(Frame::kList, json::array()); }
  uint32_t writeSetEnd() { return Pop(); }
  uint32_t writeBool(const bool value) { return Emit(value); }
  uint32_t writeByte(const int8_t value) { return Emit(value); }
  uint32_t writeI16(const int16_t value) { return Emit(value); }
  uint32_t writeI32(const int32_t value) { return Emit(value); }
  uint32_t writeI64(const int64_t value) { return Emit(value); }
  uint32_t writeDouble(const double value) { return Emit(value); }
  uint32_t writeString(const std::string& value) { return Emit(value); }
  uint32_t writeBinary(const std::string& value) { return Emit(value); }

 private:
  struct Frame {
    enum Kind { kStruct, kList, kMap } kind;
    json value;
    std::string field;       // kStruct: the field being written
    bool want_key = true;    // kMap: the next value is a key
    std::string key;         // kMap: the pending key
  };

  static std::string KeyString(const json& key) {
    return key.is_string() ? key.get<std::string>() : key.dump();
  }

  uint32_t Push(Frame::Kind kind, json value) {
    stack_.push_back(Frame{kind, std::move(value), "", true, ""});
    return 0;
  }

  uint32_t Pop() {
    json done = std::move(stack_.back().value);
    stack_.pop_back();
    return Emit(std::move(done));
  }

  uint32_t Emit(json value) {
    if (stack_.empty()) {
      result_ = std::move(value);
      return 0;
    }
    Frame& top = stack_.back();
    switch (top.kind) {
      case Frame::kStruct:
        top.value[top.field] = std::move(value);
        break;
      case Frame::kList:
        top.value.push_back(std::move(value));
        break;
      case Frame::kMap:
        if (top.want_key) {
          top.key = KeyString(value);
        } else {
          top.value[top.key] = std::move(value);
        }
        top.want_key = !top.want_key;
        break;
    }
    return 0;
  }

  std::vector<Frame> stack_;
  json result_;
};

void NameStatus(json* value) {
  if (value == nullptr || !value->is_number_integer()) return;
  auto it = api::_ScheduleStatus_VALUES_TO_NAMES.find(value->get<int>());
  if (it != api::_ScheduleStatus_VALUES_TO_NAMES.end()) *value = it->second;
}

}  // namespace

absl::StatusOr<nlohmann::json> ThriftToJson(const apache::thrift::TBase& value) {
  try {
    JsonTreeProtocol protocol;
    value.write(&protocol);
    return protocol.TakeResult();
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("cannot render a Thrift value as JSON: ", e.what()));
  }
}

absl::StatusOr<nlohmann::json> ScheduledTaskJson(const api::ScheduledTask& task) {
  auto out = ThriftToJson(task);
  if (!out.ok()) return out;
  json& j = *out;
  if (j.contains("status")) NameStatus(&j["status"]);
  if (j.contains("taskEvents") && j["taskEvents"].is_array()) {
    for (json& event : j["taskEvents"]) {
      if (event.is_object() && event.contains("status")) NameStatus(&event["status"]);
    }
  }
  return out;
}

absl::StatusOr<nlohmann::json> JobStatusJson(const std::string& job,
                                             const std::vector<api::ScheduledTask>& active,
                                             const std::vector<api::ScheduledTask>& inactive) {
  json out = {{"job", job}, {"active", json::array()}, {"inactive", json::array()}};
  for (const auto* part : {&active, &inactive}) {
    json& list = out[part == &active ? "active" : "inactive"];
    for (const api::ScheduledTask& task : *part) {
      auto j = ScheduledTaskJson(task);
      if (!j.ok()) return j.status();
      list.push_back(*std::move(j));
    }
  }
  return out;
}

}  // namespace borealis::cli
