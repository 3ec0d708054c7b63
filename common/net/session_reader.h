#pragma once
// The read loop every server-side session runs after HELLO (a broker's agent sessions,
// a consumer's broker sessions), with what they all handle alike:
// - backpressure: no frame is read while `hold()` says so; the wait ends at wake() (the
//   session's own counter dropped) or at the next recheck (a shared condition such as a
//   full disk, which nobody wakes us for);
// - a frame the decoder refused: ERROR with its code to the peer, logged, closed;
// - the peer's own ERROR: logged, closed; HEARTBEAT: answered; the end of the
//   connection: logged unless it is an ordinary close.
// Runs on the connection's strand, as the session does.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/clock.h"
#include "common/net/frame_connection.h"
#include "common/wire/frame.h"

namespace ferry::net {

// Logs "<peer> (<remote>): <text> — closing" and fails the connection with `code`: a
// refusal before the session has a reader (during HELLO and identity checks).
void refuse_peer(FrameConnection& conn, std::string_view peer, wire::Errc code,
                 const std::string& text);

class SessionReader {
 public:
  // `peer` names the other side in logs ("agent h1", "broker dc1/b2").
  SessionReader(FrameConnection& conn, std::string peer, std::function<TimeMs()> now,
                std::chrono::milliseconds recheck);

  // The next frame the session handles itself; nullopt once the session is over.
  asio::awaitable<std::optional<wire::Frame>> next(const std::function<bool()>& hold);
  // Wakes a next() waiting for `hold` to end. Safe to call after the session ended.
  std::function<void()> waker() const;

  // Logs "<peer> (<remote>): <text> — closing" and fails the connection with `code`.
  void refuse(wire::Errc code, const std::string& text);
  // A frame type the peer's role never sends.
  void refuse_unexpected(const wire::Frame& frame, std::string_view senders);

 private:
  FrameConnection& conn_;
  const std::string peer_;
  const std::function<TimeMs()> now_;
  const std::chrono::milliseconds recheck_;
  std::shared_ptr<asio::steady_timer> pause_;
};

}  // namespace ferry::net
