// sd_notify without libsystemd: the datagram reaches the socket systemd names.

#include "common/app/service_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace ferry::app {
namespace {

// A datagram socket bound at `path` ("@name" for an abstract one).
int bind_notify_socket(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  if (path[0] == '@') addr.sun_path[0] = '\0';
  EXPECT_EQ(
      ::bind(fd, reinterpret_cast<sockaddr*>(&addr), offsetof(sockaddr_un, sun_path) + path.size()),
      0);
  return fd;
}

std::string receive(int fd) {
  char buf[256];
  const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

TEST(ServiceNotifyTest, SendsTheStateToNotifySocket) {
  testing::TempDir dir;
  const std::string path = dir.file("notify");
  const int fd = bind_notify_socket(path);
  setenv("NOTIFY_SOCKET", path.c_str(), 1);
  EXPECT_TRUE(notify_service("READY=1"));
  EXPECT_EQ(receive(fd), "READY=1");
  EXPECT_TRUE(notify_service("STOPPING=1"));
  EXPECT_EQ(receive(fd), "STOPPING=1");
  unsetenv("NOTIFY_SOCKET");
  ::close(fd);
}

TEST(ServiceNotifyTest, ReachesAnAbstractSocket) {
  const std::string path = "@ferry-notify-test-" + std::to_string(::getpid());
  const int fd = bind_notify_socket(path);
  setenv("NOTIFY_SOCKET", path.c_str(), 1);
  EXPECT_TRUE(notify_service("READY=1"));
  EXPECT_EQ(receive(fd), "READY=1");
  unsetenv("NOTIFY_SOCKET");
  ::close(fd);
}

TEST(ServiceNotifyTest, DoesNothingOutsideSystemd) {
  unsetenv("NOTIFY_SOCKET");
  EXPECT_FALSE(notify_service("READY=1"));
}

}  // namespace
}  // namespace ferry::app
