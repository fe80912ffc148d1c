// Tests for percent-decoding and request-target parsing, and for the route table.
#include "borealis/net/url.h"

#include <gtest/gtest.h>

#include "borealis/net/internal/router.h"

namespace borealis::net {
namespace {

TEST(UrlTest, PercentDecode) {
  EXPECT_EQ(PercentDecode("a%20b%2Fc", false), "a b/c");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("100%", false), "100%");      // bad escape kept
  EXPECT_EQ(PercentDecode("%zz%4", false), "%zz%4");
  EXPECT_EQ(PercentDecode("%e2%9c%93", false), "\xe2\x9c\x93");
}

TEST(UrlTest, PercentEncodeRoundTrips) {
  const std::string raw = "www-data/prod hello?&=+%\x01";
  EXPECT_EQ(PercentDecode(PercentEncode(raw), false), raw);
  EXPECT_EQ(PercentEncode("/a b/c", true), "/a%20b/c");
}

TEST(UrlTest, ParseTarget) {
  ParsedTarget t = ParseTarget("/api/x%20y?a=1&b=hello+world&c=%2Fz&flag&a=2#frag");
  EXPECT_EQ(t.path, "/api/x y");
  EXPECT_EQ(t.query.at("a"), "2");  // last wins
  EXPECT_EQ(t.query.at("b"), "hello world");
  EXPECT_EQ(t.query.at("c"), "/z");
  EXPECT_EQ(t.query.at("flag"), "");
  EXPECT_EQ(t.query.size(), 4u);
  EXPECT_EQ(ParseTarget("").path, "/");
  EXPECT_EQ(ParseTarget("?x=1").path, "/");
  EXPECT_EQ(ParseTarget("http://host:8080/p?q=1").path, "/p");
  EXPECT_EQ(ParseTarget("http://host:8080/p?q=1").query.at("q"), "1");
  EXPECT_TRUE(ParseTarget("/p?&&").query.empty());
}

HttpHandler Named(std::string name) {
  return [name](const HttpRequest&) { return HttpResponse::Text(200, name); };
}

std::string Call(const internal::Router& r, const std::string& method, const std::string& path) {
  internal::RouteMatch m = r.Find(method, path);
  if (!m.handler) return std::to_string(m.status) + " " + m.allow;
  return (*m.handler)(HttpRequest{}).body;
}

TEST(RouterTest, ExactBeatsPrefixAndLongestPrefixWins) {
  internal::Router r;
  r.AddPrefix("GET", "/", Named("root"));
  r.AddPrefix("GET", "/static/", Named("static"));
  r.AddPrefix("GET", "/static/js/", Named("js"));
  r.Add("GET", "/static/js/app.js", Named("exact"));
  r.Add("POST", "/api", Named("api"));
  EXPECT_EQ(Call(r, "GET", "/static/js/app.js"), "exact");
  EXPECT_EQ(Call(r, "GET", "/static/js/other.js"), "js");
  EXPECT_EQ(Call(r, "GET", "/static/css/x.css"), "static");
  EXPECT_EQ(Call(r, "GET", "/anything"), "root");
  EXPECT_EQ(Call(r, "POST", "/api"), "api");
  EXPECT_EQ(Call(r, "GET", "/api"), "root");  // the catch-all prefix serves GET
  EXPECT_EQ(Call(r, "PUT", "/api"), "405 GET, POST");
}

TEST(RouterTest, NotFoundAndMethodNotAllowed) {
  internal::Router r;
  r.Add("GET", "/health", Named("ok"));
  r.AddPrefix("POST", "/jobs/", Named("jobs"));
  EXPECT_EQ(Call(r, "GET", "/nope"), "404 ");
  EXPECT_EQ(Call(r, "DELETE", "/health"), "405 GET");
  EXPECT_EQ(Call(r, "GET", "/jobs/x"), "405 POST");
  EXPECT_EQ(Call(r, "GET", "/health/"), "404 ");  // exact means exact
  r.Add("GET", "/health", Named("replaced"));
  EXPECT_EQ(Call(r, "GET", "/health"), "replaced");
}

TEST(RouterTest, WebSocketRoutesAreExact) {
  internal::Router r;
  r.AddWebSocket("/agent/v1", WebSocketHandlers{});
  EXPECT_NE(r.FindWebSocket("/agent/v1"), nullptr);
  EXPECT_EQ(r.FindWebSocket("/agent/v1/x"), nullptr);
  EXPECT_EQ(r.FindWebSocket("/agent"), nullptr);
}

}  // namespace
}  // namespace borealis::net
