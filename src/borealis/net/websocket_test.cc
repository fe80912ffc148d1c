// Tests for WebSocket sessions (server) and WebSocketClient over loopback: ordered echo in
// both directions, every way a connection can end, and use after the end.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <future>
#include <set>

#include "borealis/net/http_client.h"
#include "borealis/net/http_server.h"
#include "borealis/net/internal/test_support.h"
#include "borealis/net/websocket_client.h"
#include "borealis/testing/status_matchers.h"

namespace borealis::net {
namespace {

using ::borealis::testing::IsOk;
using ::borealis::testing::StatusIs;
using ::testing::HasSubstr;
using internal::Collector;
using internal::kTestDeadline;
namespace asio = internal::asio;
namespace websocket = internal::websocket;
using internal::tcp;

constexpr int kConnectTimeoutMs = 10'000;

// What the server saw, recorded from its I/O threads.
struct ServerSide {
  Collector opened;
  Collector messages;
  Collector closed;
  std::atomic<bool> echo{true};
  std::mutex mu;
  std::vector<std::shared_ptr<WebSocketSession>> sessions;  // guarded by mu

  std::shared_ptr<WebSocketSession> Session(size_t i) {
    std::lock_guard<std::mutex> l(mu);
    return i < sessions.size() ? sessions[i] : nullptr;
  }
};

std::unique_ptr<HttpServer> StartWsServer(ServerSide& side, HttpServer::Options options = {}) {
  auto server = std::make_unique<HttpServer>(options);
  WebSocketHandlers h;
  h.on_open = [&side](std::shared_ptr<WebSocketSession> s) {
    {
      std::lock_guard<std::mutex> l(side.mu);
      side.sessions.push_back(s);
    }
    side.opened.Add(std::to_string(s->id()));
  };
  h.on_message = [&side](const std::shared_ptr<WebSocketSession>& s, std::string m) {
    if (side.echo) s->Send(m);
    side.messages.Add(std::move(m));
  };
  h.on_close = [&side](const std::shared_ptr<WebSocketSession>& s) {
    side.closed.Add(std::to_string(s->id()));
  };
  server->WebSocket("/ws", std::move(h));
  EXPECT_THAT(server->Start(), IsOk());
  return server;
}

// What the client saw, recorded on its thread.
struct ClientSide {
  Collector messages;
  Collector closes;
  std::mutex mu;
  absl::Status close_status;  // guarded by mu

  absl::Status CloseStatus() {
    std::lock_guard<std::mutex> l(mu);
    return close_status;
  }
  WebSocketClient::Handlers Handlers() {
    WebSocketClient::Handlers h;
    h.on_message = [this](std::string m) { messages.Add(std::move(m)); };
    h.on_close = [this](absl::Status why) {
      {
        std::lock_guard<std::mutex> l(mu);
        close_status = why;
      }
      closes.Add(why.ToString());
    };
    return h;
  }
};

std::unique_ptr<WebSocketClient> ConnectTo(int port, ClientSide& side,
                                           WebSocketClient::Options options = {}) {
  auto client = WebSocketClient::Connect("127.0.0.1", port, "/ws", side.Handlers(),
                                         kConnectTimeoutMs, options);
  EXPECT_THAT(client, IsOk());
  return client.ok() ? std::move(*client) : nullptr;
}

std::string Message(int i) {
  // Binary payload: includes NUL and high bytes, and varies in length.
  std::string m = "msg-" + std::to_string(i);
  m.push_back('\0');
  m.append(static_cast<size_t>(i % 37), static_cast<char>(0xF0 + i % 16));
  return m;
}

TEST(WebSocketTest, EchoesAThousandMessagesInOrderBothWays) {
  ServerSide server_side;
  auto server = StartWsServer(server_side);
  ClientSide client_side;
  auto client = ConnectTo(server->port(), client_side);
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(server_side.opened.WaitFor(1));

  // Client -> server -> client.
  for (int i = 0; i < 1000; ++i) ASSERT_THAT(client->Send(Message(i)), IsOk());
  ASSERT_TRUE(client_side.messages.WaitFor(1000));
  std::vector<std::string> echoed = client_side.messages.Items();
  std::vector<std::string> received = server_side.messages.Items();
  ASSERT_EQ(received.size(), 1000u);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(received[i], Message(i)) << i;
    EXPECT_EQ(echoed[i], Message(i)) << i;
  }

  // Server -> client, sent from a thread that is not the server's.
  std::shared_ptr<WebSocketSession> session = server_side.Session(0);
  ASSERT_NE(session, nullptr);
  EXPECT_THAT(session->remote_address(), HasSubstr("127.0.0.1:"));
  for (int i = 0; i < 1000; ++i) session->Send(Message(5000 + i));
  ASSERT_TRUE(client_side.messages.WaitFor(2000));
  echoed = client_side.messages.Items();
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(echoed[1000 + i], Message(5000 + i)) << i;
}

TEST(WebSocketTest, LargeMessagesAndConcurrentSenders) {
  ServerSide server_side;
  auto server = StartWsServer(server_side);
  ClientSide client_side;
  auto client = ConnectTo(server->port(), client_side);
  ASSERT_NE(client, nullptr);
  std::string big(3 << 20, 'b');
  big[12345] = '\0';
  ASSERT_THAT(client->Send(big), IsOk());
  ASSERT_TRUE(client_side.messages.WaitFor(1));
  EXPECT_EQ(client_side.messages.Items()[0], big);

  std::vector<std::thread> senders;
  for (int t = 0; t < 4; ++t) {
    senders.emplace_back([&, t] {
      for (int i = 0; i < 250; ++i) EXPECT_THAT(client->Send(Message(t * 1000 + i)), IsOk());
    });
  }
  for (auto& t : senders) t.join();
  ASSERT_TRUE(client_side.messages.WaitFor(1001));
  // Each sender's own messages keep their order.
  std::vector<std::string> items = client_side.messages.Items();
  for (int t = 0; t < 4; ++t) {
    int next = 0;
    for (const std::string& m : items) {
      if (next < 250 && m == Message(t * 1000 + next)) next++;
    }
    EXPECT_EQ(next, 250) << "sender " << t;
  }
}

TEST(WebSocketTest, ClientSeesOnCloseWhenTheServerStops) {
  ServerSide server_side;
  auto server = StartWsServer(server_side);
  ClientSide client_side;
  auto client = ConnectTo(server->port(), client_side);
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(server_side.opened.WaitFor(1));
  std::shared_ptr<WebSocketSession> session = server_side.Session(0);

  server->Stop();
  EXPECT_EQ(server_side.closed.Size(), 1u);  // on_close ran before Stop() returned
  ASSERT_TRUE(client_side.closes.WaitFor(1));
  EXPECT_THAT(client_side.CloseStatus(), StatusIs(absl::StatusCode::kUnavailable, HasSubstr("")));
  EXPECT_FALSE(client->IsOpen());
  EXPECT_THAT(client->Send("late"), StatusIs(absl::StatusCode::kFailedPrecondition,
                                             HasSubstr("closed")));
  // Sessions outlive the server harmlessly.
  server.reset();
  session->Send("after the server is gone");
  session->Close();
  client.reset();
  EXPECT_EQ(client_side.closes.Size(), 1u);
  EXPECT_EQ(server_side.closed.Size(), 1u);
}

TEST(WebSocketTest, ServerSeesOnCloseWhenTheClientGoesAway) {
  ServerSide server_side;
  auto server = StartWsServer(server_side);
  ClientSide client_side;
  auto client = ConnectTo(server->port(), client_side);
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(server_side.opened.WaitFor(1));
  client.reset();  // a graceful close
  ASSERT_TRUE(server_side.closed.WaitFor(1));
  EXPECT_EQ(client_side.closes.Size(), 1u);
  EXPECT_THAT(client_side.CloseStatus(), IsOk());  // this side asked for it

  // A peer that drops the TCP connection without a close frame.
  {
    asio::io_context ioc;
    websocket::stream<tcp::socket> raw(ioc);
    raw.next_layer().connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(server->port())));
    raw.handshake("127.0.0.1", "/ws");
    ASSERT_TRUE(server_side.opened.WaitFor(2));
    raw.next_layer().close();
  }
  ASSERT_TRUE(server_side.closed.WaitFor(2));
}

TEST(WebSocketTest, ServerDropsAPeerThatStopsResponding) {
  ServerSide server_side;
  HttpServer::Options options;
  options.ws_idle_timeout_ms = 300;
  auto server = StartWsServer(server_side, options);
  asio::io_context ioc;
  websocket::stream<tcp::socket> raw(ioc);
  raw.next_layer().connect(
      tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(server->port())));
  raw.handshake("127.0.0.1", "/ws");
  // The peer never reads again, so the server's pings go unanswered.
  ASSERT_TRUE(server_side.closed.WaitFor(1));
}

TEST(WebSocketTest, ClientDropsAServerThatStopsResponding) {
  // A server whose WebSocket handler never runs its I/O again: a raw acceptor that
  // completes the handshake and then ignores the connection.
  asio::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const int port = acceptor.local_endpoint().port();
  auto accepted = std::async(std::launch::async, [&] {
    websocket::stream<tcp::socket> peer(ioc);
    acceptor.accept(peer.next_layer());
    peer.accept();
    return peer.next_layer().release();  // keep the descriptor open, never read it
  });
  ClientSide client_side;
  WebSocketClient::Options options;
  options.idle_timeout_ms = 300;
  auto client = ConnectTo(port, client_side, options);
  ASSERT_NE(client, nullptr);
  int fd = accepted.get();
  ASSERT_TRUE(client_side.closes.WaitFor(1));
  EXPECT_THAT(client_side.CloseStatus(),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("stopped responding")));
  ::close(fd);
}

TEST(WebSocketTest, SendAfterCloseIsHarmless) {
  ServerSide server_side;
  auto server = StartWsServer(server_side);
  ClientSide client_side;
  auto client = ConnectTo(server->port(), client_side);
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(server_side.opened.WaitFor(1));
  std::shared_ptr<WebSocketSession> session = server_side.Session(0);

  session->Send("last words");
  session->Close();  // flushes, then a close frame
  session->Close();
  for (int i = 0; i < 100; ++i) session->Send("ignored");
  ASSERT_TRUE(client_side.closes.WaitFor(1));
  ASSERT_TRUE(server_side.closed.WaitFor(1));
  EXPECT_EQ(client_side.messages.Items(), std::vector<std::string>{"last words"});
  EXPECT_THAT(client_side.CloseStatus(),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("closed by the peer")));
  for (int i = 0; i < 100; ++i) {
    session->Send("ignored");
    EXPECT_FALSE(client->Send("ignored").ok());
  }
  client->Close();
  server->Stop();
  EXPECT_EQ(server_side.closed.Size(), 1u);
  EXPECT_EQ(client_side.closes.Size(), 1u);
}

TEST(WebSocketTest, ClientCloseEndsBothSides) {
  ServerSide server_side;
  auto server = StartWsServer(server_side);
  ClientSide client_side;
  auto client = ConnectTo(server->port(), client_side);
  ASSERT_NE(client, nullptr);
  ASSERT_THAT(client->Send("one"), IsOk());
  client->Close();
  client->Close();
  EXPECT_FALSE(client->Send("two").ok());
  ASSERT_TRUE(client_side.closes.WaitFor(1));
  EXPECT_THAT(client_side.CloseStatus(), IsOk());
  ASSERT_TRUE(server_side.closed.WaitFor(1));
  EXPECT_EQ(server_side.messages.Items(), std::vector<std::string>{"one"});
}

TEST(WebSocketTest, ManyClientsHaveTheirOwnSessions) {
  ServerSide server_side;
  auto server = StartWsServer(server_side);
  std::vector<std::unique_ptr<ClientSide>> sides;
  std::vector<std::unique_ptr<WebSocketClient>> clients;
  for (int i = 0; i < 5; ++i) {
    sides.push_back(std::make_unique<ClientSide>());
    clients.push_back(ConnectTo(server->port(), *sides.back()));
    ASSERT_NE(clients.back(), nullptr);
  }
  for (int i = 0; i < 5; ++i) ASSERT_THAT(clients[i]->Send(Message(i)), IsOk());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(sides[i]->messages.WaitFor(1));
    EXPECT_EQ(sides[i]->messages.Items(), std::vector<std::string>{Message(i)});
  }
  std::vector<std::string> ids = server_side.opened.Items();
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 5u);
  clients.clear();
  ASSERT_TRUE(server_side.closed.WaitFor(5));
}

TEST(WebSocketTest, DestroyingTheClientInsideItsCallbackDoesNotDeadlock) {
  ServerSide server_side;
  auto server = StartWsServer(server_side);
  std::mutex mu;
  std::unique_ptr<WebSocketClient> client;  // guarded by mu
  Collector done;
  WebSocketClient::Handlers h;
  h.on_message = [&](std::string) {
    std::unique_ptr<WebSocketClient> doomed;
    {
      std::lock_guard<std::mutex> l(mu);
      doomed = std::move(client);
    }
    doomed.reset();  // on the client's own thread
    done.Add("destroyed");
  };
  auto connected = WebSocketClient::Connect("127.0.0.1", server->port(), "/ws", h,
                                            kConnectTimeoutMs);
  ASSERT_THAT(connected, IsOk());
  {
    std::lock_guard<std::mutex> l(mu);
    client = std::move(*connected);
    ASSERT_THAT(client->Send("ping"), IsOk());
  }
  ASSERT_TRUE(done.WaitFor(1));
  ASSERT_TRUE(server_side.closed.WaitFor(1));
}

TEST(WebSocketTest, ConnectFailures) {
  ServerSide server_side;
  auto server = StartWsServer(server_side);
  ClientSide side;
  auto wrong_path = WebSocketClient::Connect("127.0.0.1", server->port(), "/nope",
                                             side.Handlers(), kConnectTimeoutMs);
  EXPECT_THAT(wrong_path, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("404")));
  auto plain = HttpCall("GET", "127.0.0.1", server->port(), "/ws", "", "", kConnectTimeoutMs);
  ASSERT_THAT(plain, IsOk());
  EXPECT_EQ(plain->status, 426);

  const int port = server->port();
  server->Stop();
  auto refused = WebSocketClient::Connect("127.0.0.1", port, "/ws", side.Handlers(),
                                          kConnectTimeoutMs);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("connect")));

  // A listener that never accepts: TCP connects (backlog) but no handshake answer comes.
  asio::io_context ioc;
  tcp::acceptor silent(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  auto timed_out = WebSocketClient::Connect("127.0.0.1", silent.local_endpoint().port(), "/ws",
                                            side.Handlers(), 200);
  EXPECT_THAT(timed_out, StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("timed out")));
  EXPECT_EQ(side.closes.Size(), 0u);  // on_close only follows a successful Connect
}

}  // namespace
}  // namespace borealis::net
