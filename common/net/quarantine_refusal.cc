#include "common/net/quarantine_refusal.h"

#include <spdlog/spdlog.h>

namespace ferry::net {

void quarantine_then_refuse(const QuarantineRefusal& how, std::weak_ptr<FrameConnection> conn,
                            wire::BatchFrame batch, wire::Errc code, std::string why) {
  const auto& h = batch.header;
  wire::Refusal refusal{{h.host, h.category, h.seq, h.seq}, code, std::move(why)};
  spdlog::warn("batch {}/{}/{} refused for good: {}", h.host, h.category, h.seq, refusal.text);
  auto frame = std::make_shared<wire::BatchFrame>(std::move(batch));
  asio::post(how.blocking, [how, conn, frame, refusal = std::move(refusal)]() mutable {
    auto kept = how.quarantine.put(*frame, how.node_id + ": " + refusal.text);
    asio::post(how.io, [how, conn, kept, refusal = std::move(refusal)] {
      auto c = conn.lock();
      if (!kept) {
        spdlog::error("cannot quarantine batch {}/{}/{}: {}", refusal.batch.host, refusal.batch.category,
                      refusal.batch.first_seq, kept.error().message());
        if (c) c->fail(wire::Errc::kInternal, "quarantine write failed; resend later");
        return;
      }
      if (how.on_refused) how.on_refused();
      if (c) c->send(wire::encode(refusal));
    });
  });
}

}  // namespace ferry::net
