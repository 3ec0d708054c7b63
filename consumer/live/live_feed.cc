#include "consumer/live/live_feed.h"

#include <spdlog/spdlog.h>

#include "common/batch/batch_id.h"
#include "common/batch/payload.h"

namespace ferry::consumer::live {

LiveFeed::LiveFeed(LiveLog& log, Appended appended) : log_(log), appended_(std::move(appended)) {}

void LiveFeed::on_accepted(const wire::BatchFrame& frame, int64_t now_ms) {
  const auto& h = frame.header;
  if (failed_ || h.replay_id != 0) return;
  // The session checked this payload already; decoding again here keeps the check's
  // scratch out of the queue to the worker.
  if (auto ec = batch::decode_payload(h, frame.payload, zstd_, raw_)) {
    return fail("cannot decode the batch of " + h.host + "/" + h.category, ec);
  }
  std::vector<std::string_view> lines;
  lines.reserve(h.event_count);
  std::string_view rest = raw_;
  while (!rest.empty()) {
    const size_t nl = rest.find('\n');
    lines.push_back(rest.substr(0, nl));
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
  }
  auto appended = log_.append(batch::batch_id_of(h), lines, now_ms);
  if (!appended) return fail("cannot append to the live log", appended.error());
  if (appended.value() != AppendOutcome::kAppended) return;
  unsynced_ = true;
  appended_lines_ += lines.size();
  appended_(h.category);
}

void LiveFeed::before_commit() {
  if (failed_ || !unsynced_) return;
  if (auto synced = log_.sync(); !synced) return fail("cannot sync the live log", synced.error());
  unsynced_ = false;
}

void LiveFeed::trim(int64_t now_ms) {
  if (failed_) return;
  auto dropped = log_.trim(now_ms);
  if (!dropped) return fail("cannot trim the live log", dropped.error());
}

void LiveFeed::fail(const std::string& what, const std::error_code& ec) {
  spdlog::error("{}: {}; live subscription stops here, delivery to the output goes on", what,
                ec.message());
  failed_ = true;
}

}  // namespace ferry::consumer::live
