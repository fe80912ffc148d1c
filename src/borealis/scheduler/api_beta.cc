// The /apibeta routes declared in api_beta.h.
#include "borealis/scheduler/api_beta.h"

#include <thrift/protocol/TJSONProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "borealis/wire/codec.h"
#include "borealis/wire/idl_table.h"
#include "borealis/wire/named_json.h"
#include "borealis/wire/response.h"

namespace borealis::scheduler {
namespace {

constexpr char kPrefix[] = "/apibeta/";
constexpr char kJsonMime[] = "application/json";

// An error Response (code ERROR, `message` as its detail) in natural JSON.
net::HttpResponse ErrorReply(int status, const std::string& message,
                             const std::string& cluster_name) {
  api::Response response = wire::MakeResponse(api::ResponseCode::ERROR, message);
  wire::SetServerInfo(&response, cluster_name, "");
  absl::StatusOr<wire::NamedJson> natural =
      wire::TJsonStructToNatural(wire::ApiIdl(), "Response", wire::SerializeJson(response));
  if (!natural.ok()) {
    return net::HttpResponse::Text(500, absl::StrCat(natural.status().ToString(), "\n"));
  }
  return net::HttpResponse::Of(status, kJsonMime, natural->dump());
}

}  // namespace

absl::StatusOr<std::string> ProcessTJsonMessage(const std::shared_ptr<api::AuroraAdminIf>& handler,
                                                std::string_view message) {
  using apache::thrift::protocol::TJSONProtocol;
  using apache::thrift::transport::TMemoryBuffer;
  try {
    auto in_buf = std::make_shared<TMemoryBuffer>(
        reinterpret_cast<uint8_t*>(const_cast<char*>(message.data())),
        static_cast<uint32_t>(message.size()), TMemoryBuffer::COPY);
    auto out_buf = std::make_shared<TMemoryBuffer>();
    auto in = std::make_shared<TJSONProtocol>(in_buf);
    auto out = std::make_shared<TJSONProtocol>(out_buf);
    api::AuroraAdminProcessor processor(handler);
    processor.process(in, out, nullptr);
    return out_buf->getBufferAsString();
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("malformed Thrift request: ", e.what()));
  }
}

net::HttpResponse ServeApiBeta(const net::HttpRequest& request,
                               const std::shared_ptr<api::AuroraAdminIf>& handler,
                               const std::string& cluster_name) {
  std::string method_name;
  if (absl::StartsWith(request.path, kPrefix))
    method_name = request.path.substr(sizeof(kPrefix) - 1);
  const wire::IdlMethod* method = wire::ApiIdl().FindMethod(method_name);
  if (method == nullptr) {
    return ErrorReply(404, absl::StrCat("Method ", method_name, " does not exist."), cluster_name);
  }
  // No body is no parameters, as for a method that takes none.
  wire::NamedJson params = nullptr;
  if (!request.body.empty()) {
    params = wire::NamedJson::parse(request.body, nullptr, false);
    if (params.is_discarded()) {
      return ErrorReply(400, "Request must be valid JSON", cluster_name);
    }
    if (!params.is_object() && !params.is_null()) {
      return ErrorReply(400, "Request data must be a JSON object of method parameters.",
                        cluster_name);
    }
  }
  absl::StatusOr<std::string> call = wire::NamedCallToTJson(wire::ApiIdl(), *method, params);
  if (!call.ok()) {
    return ErrorReply(400,
                      absl::StrCat("Failed to parse a parameter of ", method->name, ": ",
                                   call.status().message()),
                      cluster_name);
  }
  absl::StatusOr<std::string> reply = ProcessTJsonMessage(handler, *call);
  if (!reply.ok()) return ErrorReply(500, std::string(reply.status().message()), cluster_name);
  absl::StatusOr<wire::NamedJson> natural =
      wire::TJsonReplyToNatural(wire::ApiIdl(), *method, *reply);
  if (!natural.ok()) return ErrorReply(500, std::string(natural.status().message()), cluster_name);
  return net::HttpResponse::Of(200, kJsonMime, natural->dump());
}

net::HttpResponse ServeApiBetaIndex() {
  std::string text =
      "POST /apibeta/<method> with a JSON object of the method's parameters by name; the answer "
      "is the method's Response as JSON.\n\n";
  for (const wire::IdlMethod& m : wire::ApiIdl().methods()) {
    absl::StrAppend(&text, m.name, "(");
    for (size_t i = 0; i < m.params.size(); ++i) {
      absl::StrAppend(&text, i ? ", " : "", m.params[i].name, ": ",
                      wire::IdlTypeName(m.params[i].type));
    }
    absl::StrAppend(&text, ")\n");
  }
  return net::HttpResponse::Text(200, text);
}

}  // namespace borealis::scheduler
