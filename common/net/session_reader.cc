#include "common/net/session_reader.h"

#include <spdlog/spdlog.h>

#include "common/log/printable.h"
#include "common/wire/errc.h"
#include "common/wire/messages.h"

namespace ferry::net {

SessionReader::SessionReader(FrameConnection& conn, std::string peer, std::function<TimeMs()> now,
                             std::chrono::milliseconds recheck)
    : conn_(conn),
      peer_(std::move(peer)),
      now_(std::move(now)),
      recheck_(recheck),
      pause_(std::make_shared<asio::steady_timer>(conn.executor())) {}

std::function<void()> SessionReader::waker() const {
  return [pause = pause_] { pause->cancel(); };
}

void refuse_peer(FrameConnection& conn, std::string_view peer, wire::Errc code,
                 const std::string& text) {
  spdlog::warn("{} ({}): {} — closing", log::printable(peer), conn.remote(), log::printable(text));
  conn.fail(code, text);
}

void SessionReader::refuse(wire::Errc code, const std::string& text) {
  refuse_peer(conn_, peer_, code, text);
}

void SessionReader::refuse_unexpected(const wire::Frame& frame, std::string_view senders) {
  refuse(wire::Errc::kProtocolViolation, std::string(wire::frame_type_name(frame.type)) +
                                             " is not sent by " + std::string(senders));
}

asio::awaitable<std::optional<wire::Frame>> SessionReader::next(const std::function<bool()>& hold) {
  while (conn_.usable()) {
    while (conn_.usable() && hold && hold()) {
      pause_->expires_after(recheck_);
      boost::system::error_code ec;
      co_await pause_->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (!conn_.usable()) break;
    auto frame = co_await conn_.read_frame();
    if (!frame) {
      const auto& ec = frame.error();
      if (ec.category() == wire::wire_category()) {
        refuse(static_cast<wire::Errc>(ec.value()), ec.message());
      } else if (!is_normal_close(ec)) {
        spdlog::info("{} connection ended: {}", peer_, ec.message());
      }
      break;
    }
    switch (frame.value().type) {
      case wire::FrameType::kHeartbeat:
        conn_.send(wire::encode(wire::Heartbeat{now_()}));
        continue;
      case wire::FrameType::kError: {
        auto e = wire::decode_error(frame.value().body);
        spdlog::warn("{} sent ERROR: {}", peer_,
                     log::printable(e ? e.value().text : "(malformed)"));
        conn_.close();
        continue;
      }
      default:
        co_return std::move(frame).value();
    }
  }
  co_return std::nullopt;
}

}  // namespace ferry::net
