// The /apibeta JSON API (docs/aurora-compatibility.md, "API"): POST /apibeta/<method> with
// a JSON object of the method's parameters by name, answered with the method's Response as
// natural JSON (wire/named_json.h). The request is turned into a TJSON call and run through
// the same AuroraAdmin processor as /api, so both endpoints share one code path.
//
// Statuses as Aurora's: an unknown method -> 404, a body that is not JSON or not an object,
// or a parameter that does not convert -> 400; each with an error Response as the body.
// GET /apibeta lists the methods and their parameters as text (Aurora redirects to a help
// page that Borealis does not have).
//
// Thread contract: the functions are reentrant; `handler` must be safe to call from the
// calling thread (the scheduler's ApiHandler is).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "borealis/net/http.h"
#include "gen-cpp/AuroraAdmin.h"

namespace borealis::scheduler {

// Runs one TJSON message through an AuroraAdminProcessor over `handler` and returns the
// TJSON reply; InvalidArgument when Thrift cannot read the message.
absl::StatusOr<std::string> ProcessTJsonMessage(const std::shared_ptr<api::AuroraAdminIf>& handler,
                                                std::string_view message);

// Serves POST /apibeta/<method>. `cluster_name` fills serverInfo in error responses.
net::HttpResponse ServeApiBeta(const net::HttpRequest& request,
                               const std::shared_ptr<api::AuroraAdminIf>& handler,
                               const std::string& cluster_name);

// Serves GET /apibeta: how to call the API and every method with its parameters.
net::HttpResponse ServeApiBetaIndex();

}  // namespace borealis::scheduler
