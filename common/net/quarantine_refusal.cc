#include "common/net/quarantine_refusal.h"

#include <spdlog/spdlog.h>

#include "common/batch/quarantine_marker.h"

namespace ferry::net {

void quarantine_then_refuse(const QuarantineRefusal& how, std::weak_ptr<FrameConnection> conn,
                            wire::BatchFrame batch, wire::Errc code, std::string why, TimeMs now) {
  const auto& h = batch.header;
  wire::Refusal refusal{{h.host, h.category, h.seq, h.seq, h.incarnation}, code, std::move(why)};
  spdlog::warn("batch {}/{}/{} refused for good: {}", h.host, h.category, h.seq, refusal.text);
  auto marker = std::make_shared<wire::BatchFrame>(
      batch::quarantine_marker(h, how.node_id + ": " + refusal.text, now));
  auto frame = std::make_shared<wire::BatchFrame>(std::move(batch));
  asio::post(how.blocking, [how, conn, frame, marker, refusal = std::move(refusal)]() mutable {
    auto kept = how.quarantine.put(*frame, how.node_id + ": " + refusal.text);
    asio::post(how.io, [how, conn, kept, marker, refusal = std::move(refusal)] {
      if (!kept) {
        auto c = conn.lock();
        spdlog::error("cannot quarantine batch {}/{}/{}: {}", refusal.batch.host,
                      refusal.batch.category, refusal.batch.first_seq, kept.error().message());
        if (c) c->fail(wire::Errc::kInternal, "quarantine write failed; resend later");
        return;
      }
      how.on_kept(std::move(*marker), refusal);
    });
  });
}

}  // namespace ferry::net
