// Tests for HttpServer and HttpCall over loopback: routes, error statuses, query parsing,
// keep-alive, blocking handlers, timeouts and stopping. Every server binds port 0.
#include "borealis/net/http_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <set>
#include <thread>

#include "borealis/net/http_client.h"
#include "borealis/net/internal/test_support.h"
#include "borealis/testing/status_matchers.h"

namespace borealis::net {
namespace {

using ::borealis::testing::IsOk;
using ::borealis::testing::StatusIs;
using ::testing::HasSubstr;
using internal::kTestDeadline;
using internal::RawPeer;
namespace http = internal::http;

constexpr int kTimeoutMs = 10'000;

std::unique_ptr<HttpServer> StartServer(HttpServer::Options options = {},
                                        std::function<void(HttpServer&)> routes = nullptr) {
  auto server = std::make_unique<HttpServer>(std::move(options));
  server->Route("GET", "/hello", [](const HttpRequest&) {
    return HttpResponse::Text(200, "hello\n");
  });
  server->Route("POST", "/echo", [](const HttpRequest& req) {
    HttpResponse r = HttpResponse::Of(201, "application/octet-stream", req.body);
    r.headers.emplace_back("X-Content-Type-Seen", req.Header("content-type"));
    return r;
  });
  if (routes) routes(*server);
  EXPECT_THAT(server->Start(), IsOk());
  EXPECT_GT(server->port(), 0);
  return server;
}

absl::StatusOr<HttpResponse> Get(int port, const std::string& target) {
  return HttpCall("GET", "127.0.0.1", port, target, "", "", kTimeoutMs);
}

std::string HeaderOf(const HttpResponse& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "<absent>";
}

TEST(HttpServerTest, GetAndPostRoutes) {
  auto server = StartServer();
  auto get = Get(server->port(), "/hello");
  ASSERT_THAT(get, IsOk());
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->body, "hello\n");
  EXPECT_EQ(get->content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(HeaderOf(*get, "server"), "borealis");

  std::string body(100'000, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 7);
  auto post = HttpCall("POST", "127.0.0.1", server->port(), "/echo", body,
                       "application/x-thrift", kTimeoutMs, {{"X-Extra", "1"}});
  ASSERT_THAT(post, IsOk());
  EXPECT_EQ(post->status, 201);
  EXPECT_EQ(post->content_type, "application/octet-stream");
  EXPECT_EQ(post->body, body);
  EXPECT_EQ(HeaderOf(*post, "x-content-type-seen"), "application/x-thrift");
}

TEST(HttpServerTest, RequestFieldsReachTheHandler) {
  std::promise<HttpRequest> seen;
  auto server = StartServer({}, [&](HttpServer& s) {
    s.RoutePrefix("GET", "/q/", [&](const HttpRequest& req) {
      seen.set_value(req);
      return HttpResponse::Text(200, "ok");
    });
  });
  auto r = HttpCall("GET", "127.0.0.1", server->port(),
                    "/q/a%20b?role=www-data&name=hello+world&path=%2Fx%2Fy&empty&x=1&x=2", "",
                    "", kTimeoutMs, {{"X-Mixed-Case", "v1"}});
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 200);
  HttpRequest req = seen.get_future().get();
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.target, "/q/a%20b?role=www-data&name=hello+world&path=%2Fx%2Fy&empty&x=1&x=2");
  EXPECT_EQ(req.path, "/q/a b");
  EXPECT_EQ(req.Query("role"), "www-data");
  EXPECT_EQ(req.Query("name"), "hello world");
  EXPECT_EQ(req.Query("path"), "/x/y");
  EXPECT_EQ(req.Query("empty", "absent"), "");
  EXPECT_EQ(req.Query("x"), "2");
  EXPECT_EQ(req.Header("x-mixed-case"), "v1");
  EXPECT_EQ(req.Header("host"), "127.0.0.1:" + std::to_string(server->port()));
  EXPECT_THAT(req.remote_address, HasSubstr("127.0.0.1:"));
}

TEST(HttpServerTest, NotFoundAndMethodNotAllowed) {
  auto server = StartServer();
  auto missing = Get(server->port(), "/nope");
  ASSERT_THAT(missing, IsOk());
  EXPECT_EQ(missing->status, 404);
  EXPECT_THAT(missing->body, HasSubstr("/nope"));

  auto wrong = HttpCall("DELETE", "127.0.0.1", server->port(), "/hello", "", "", kTimeoutMs);
  ASSERT_THAT(wrong, IsOk());
  EXPECT_EQ(wrong->status, 405);
  EXPECT_EQ(HeaderOf(*wrong, "allow"), "GET");
}

TEST(HttpServerTest, BodyTooLargeIs413) {
  HttpServer::Options options;
  options.max_body_bytes = 1024;
  auto server = StartServer(options);
  auto ok = HttpCall("POST", "127.0.0.1", server->port(), "/echo", std::string(1024, 'x'), "",
                     kTimeoutMs);
  ASSERT_THAT(ok, IsOk());
  EXPECT_EQ(ok->status, 201);
  auto big = HttpCall("POST", "127.0.0.1", server->port(), "/echo", std::string(4096, 'x'), "",
                      kTimeoutMs);
  ASSERT_THAT(big, IsOk());
  EXPECT_EQ(big->status, 413);
  // A much larger body than the socket buffers hold: the client still reads the answer.
  auto huge = HttpCall("POST", "127.0.0.1", server->port(), "/echo",
                       std::string(8 << 20, 'x'), "", kTimeoutMs);
  ASSERT_THAT(huge, IsOk());
  EXPECT_EQ(huge->status, 413);
}

TEST(HttpServerTest, ExpectContinueIsAnswered) {
  auto server = StartServer();
  RawPeer peer(server->port());
  peer.Write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
             "Expect: 100-continue\r\n\r\n");
  http::response<http::string_body> interim;
  // Beast's reader returns the 100 response as a message of its own.
  ASSERT_FALSE(peer.ReadResponse(interim));
  EXPECT_EQ(interim.result_int(), 100u);
  peer.Write("hello");
  http::response<http::string_body> final_response;
  ASSERT_FALSE(peer.ReadResponse(final_response));
  EXPECT_EQ(final_response.result_int(), 201u);
  EXPECT_EQ(final_response.body(), "hello");
}

TEST(HttpServerTest, MalformedRequestIs400AndCloses) {
  auto server = StartServer();
  RawPeer peer(server->port());
  peer.Write("THIS IS NOT HTTP\r\n\r\n");
  http::response<http::string_body> res;
  ASSERT_FALSE(peer.ReadResponse(res));
  EXPECT_EQ(res.result_int(), 400u);
  EXPECT_FALSE(res.keep_alive());
  http::response<http::string_body> next;
  EXPECT_TRUE(peer.ReadResponse(next));  // closed
}

TEST(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  std::mutex mu;
  std::set<std::string> remotes;
  auto server = StartServer({}, [&](HttpServer& s) {
    s.Route("GET", "/who", [&](const HttpRequest& req) {
      std::lock_guard<std::mutex> l(mu);
      remotes.insert(req.remote_address);
      return HttpResponse::Text(200, req.remote_address);
    });
  });
  RawPeer peer(server->port());
  for (int i = 0; i < 5; ++i) {
    peer.Write("GET /who HTTP/1.1\r\nHost: x\r\n\r\n");
    http::response<http::string_body> res;
    ASSERT_FALSE(peer.ReadResponse(res)) << "request " << i;
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_TRUE(res.keep_alive());
    EXPECT_EQ(res.body(), peer.LocalAddress());
  }
  // Errors that keep the framing intact keep the connection too.
  peer.Write("GET /nope HTTP/1.1\r\nHost: x\r\n\r\nGET /who HTTP/1.1\r\nHost: x\r\n\r\n");
  http::response<http::string_body> missing, again;
  ASSERT_FALSE(peer.ReadResponse(missing));
  EXPECT_EQ(missing.result_int(), 404u);
  ASSERT_FALSE(peer.ReadResponse(again));
  EXPECT_EQ(again.result_int(), 200u);
  // "Connection: close" is honoured.
  peer.Write("GET /who HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  http::response<http::string_body> last, after;
  ASSERT_FALSE(peer.ReadResponse(last));
  EXPECT_FALSE(last.keep_alive());
  EXPECT_TRUE(peer.ReadResponse(after));
  std::lock_guard<std::mutex> l(mu);
  EXPECT_EQ(remotes.size(), 1u);
}

TEST(HttpServerTest, BlockingHandlerDoesNotStopOtherRequests) {
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  auto server = StartServer({}, [&](HttpServer& s) {
    s.Route("GET", "/slow", [&](const HttpRequest&) {
      entered.set_value();
      released.wait();
      return HttpResponse::Text(200, "slow");
    });
  });
  auto slow = std::async(std::launch::async, [&] { return Get(server->port(), "/slow"); });
  ASSERT_EQ(entered.get_future().wait_for(kTestDeadline), std::future_status::ready);
  for (int i = 0; i < 3; ++i) {
    auto fast = Get(server->port(), "/hello");
    ASSERT_THAT(fast, IsOk());
    EXPECT_EQ(fast->body, "hello\n");
  }
  release.set_value();
  auto slow_result = slow.get();
  ASSERT_THAT(slow_result, IsOk());
  EXPECT_EQ(slow_result->body, "slow");
}

TEST(HttpServerTest, ThrowingHandlerIs500) {
  auto server = StartServer({}, [](HttpServer& s) {
    s.Route("GET", "/throw", [](const HttpRequest&) -> HttpResponse {
      throw std::runtime_error("library failure");
    });
    s.Route("GET", "/badstatus", [](const HttpRequest&) { return HttpResponse::Text(7, "x"); });
  });
  auto r = Get(server->port(), "/throw");
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 500);
  auto bad = Get(server->port(), "/badstatus");
  ASSERT_THAT(bad, IsOk());
  EXPECT_EQ(bad->status, 500);
}

TEST(HttpServerTest, RoutesAddedAfterStartAreServed) {
  auto server = StartServer();
  server->Route("GET", "/late", [](const HttpRequest&) { return HttpResponse::Text(200, "l"); });
  auto r = Get(server->port(), "/late");
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->body, "l");
}

TEST(HttpServerTest, StartFailures) {
  auto first = StartServer();
  HttpServer::Options same_port;
  same_port.port = first->port();
  HttpServer second(same_port);
  EXPECT_THAT(second.Start(), StatusIs(absl::StatusCode::kUnavailable,
                                       HasSubstr(std::to_string(first->port()))));
  HttpServer::Options bad_address;
  bad_address.bind_address = "not-an-ip";
  HttpServer third(bad_address);
  EXPECT_THAT(third.Start(), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not-an-ip")));
  EXPECT_THAT(first->Start(), StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("")));
}

TEST(HttpServerTest, StopIsIdempotentAndRefusesNewConnections) {
  auto server = StartServer();
  const int port = server->port();
  ASSERT_THAT(Get(port, "/hello"), IsOk());
  server->Stop();
  server->Stop();
  EXPECT_THAT(Get(port, "/hello"), StatusIs(absl::StatusCode::kUnavailable, HasSubstr("connect")));
  HttpServer never_started({});
  never_started.Stop();
}

TEST(HttpServerTest, StopWaitsForARunningHandlerAndClosesIdleConnections) {
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  auto server = StartServer({}, [&](HttpServer& s) {
    s.Route("GET", "/slow", [&](const HttpRequest&) {
      entered.set_value();
      released.wait();
      return HttpResponse::Text(200, "slow");
    });
  });
  RawPeer idle(server->port());  // a keep-alive connection with no request
  auto slow = std::async(std::launch::async, [&] { return Get(server->port(), "/slow"); });
  ASSERT_EQ(entered.get_future().wait_for(kTestDeadline), std::future_status::ready);
  auto stopper = std::async(std::launch::async, [&] { server->Stop(); });
  // Stop() cannot finish while the handler runs.
  EXPECT_EQ(stopper.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  release.set_value();
  ASSERT_EQ(stopper.wait_for(kTestDeadline), std::future_status::ready);
  // The aborted connection gives the slow caller an error, not a hang.
  EXPECT_FALSE(slow.get().ok());
  http::response<http::string_body> res;
  EXPECT_TRUE(idle.ReadResponse(res));  // closed by the server
}

TEST(HttpCallTest, TimesOutAndReportsRefusedConnections) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  auto server = StartServer({}, [&](HttpServer& s) {
    s.Route("GET", "/stuck", [&](const HttpRequest&) {
      released.wait();
      return HttpResponse::Text(200, "late");
    });
  });
  auto r = HttpCall("GET", "127.0.0.1", server->port(), "/stuck", "", "", 100);
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("/stuck")));
  release.set_value();
  EXPECT_THAT(HttpCall("GET", "127.0.0.1", 0, "/", "", "", 100),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("port")));
  auto unresolvable = HttpCall("GET", "no-such-host.invalid", 80, "/", "", "", 2000);
  ASSERT_FALSE(unresolvable.ok());
  EXPECT_THAT(unresolvable.status().message(), HasSubstr("no-such-host.invalid"));
}

}  // namespace
}  // namespace borealis::net
