// The CLI as a process: Ctrl-C (SIGINT) ends a command with Aurora's EXIT_INTERRUPTED (130)
// as its exit status, not as death by the signal, so that any caller reading the status
// sees 130 (a shell showed 130 either way; a program saw "killed by signal 2").
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "harness.h"

namespace borealis::integration {
namespace {

TEST(CliProcess, InterruptedCommandExitsWith130) {
  // A scheduler that accepts connections and never answers: the CLI waits in its call.
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ASSERT_EQ(fcntl(listener, F_SETFL, O_NONBLOCK), 0);

  testing::TempDir dir;
  const std::string clusters = dir.Sub("clusters.json");
  WriteFile(clusters, R"([{"name": "silent", "scheduler_uri": "http://127.0.0.1:)" +
                          std::to_string(ntohs(addr.sin_port)) + R"("}])");
  setenv("BOREALIS_CLUSTERS", clusters.c_str(), 1);
  Process cli(BinDir() + "/borealis", {"quota", "get", "silent/www-data"}, dir.Sub("cli.log"));
  int connection = -1;
  ASSERT_TRUE(WaitFor(
      [&] {
        connection = accept(listener, nullptr, nullptr);
        return connection >= 0;
      },
      10'000));

  std::optional<int> status = cli.Signal(SIGINT);
  ASSERT_TRUE(status.has_value()) << "the CLI did not end on SIGINT";
  EXPECT_TRUE(WIFEXITED(*status)) << "ended by signal " << WTERMSIG(*status) << "\n"
                                  << ReadFile(dir.Sub("cli.log"));
  if (WIFEXITED(*status)) {
    EXPECT_EQ(WEXITSTATUS(*status), 130);
  }
  close(connection);
  close(listener);
}

}  // namespace
}  // namespace borealis::integration
