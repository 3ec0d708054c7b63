#include "agent/status_report.h"

#include <vector>

#include "agent/event/line_splitter.h"

namespace ferry::agent {

TimeMs stream_watermark(const StreamBatcher& stream, uint64_t backlog_bytes, TimeMs now) {
  if (!stream.building() && backlog_bytes == 0) return now - 1000;
  if (stream.building()) return stream.batch_min_time();
  return stream.last_sent_max_ms();
}

wire::Status agent_status(const std::string& host,
                          const std::map<std::string, StreamBatcher>& streams,
                          const send::InflightWindow& window, TimeMs now) {
  auto counts = window.counts();
  wire::Status status;
  status.host = host;
  status.sent_at_ms = now;
  for (const auto& [category, s] : streams) {
    wire::StreamStatus ss;
    ss.category = category;
    auto it = counts.find(category);
    if (it != counts.end()) {
      ss.unacked_events = it->second.unacked_events;
      ss.unacked_batches = it->second.unacked_batches;
      ss.oldest_unacked_ms = it->second.oldest_unacked_ms;
    }
    ss.backlog_bytes = s.watcher().backlog_bytes();
    ss.unreadable_bytes = s.watcher().unreadable_bytes();
    ss.watermark_ms = stream_watermark(s, ss.backlog_bytes, now);
    status.streams.push_back(ss);
  }
  return status;
}

void export_status_metrics(const wire::Status& status, TimeMs now,
                           const checkpoint::Checkpoint& checkpoint, bool broker_connected,
                           metrics::Registry& registry) {
  const std::vector<std::string> labels{"category"};
  auto& unacked_events = registry.gauge_family("ferry_agent_unacked_events",
                                               "Events sent and not yet DELIVERED", labels);
  auto& unacked_batches = registry.gauge_family("ferry_agent_unacked_batches",
                                                "Batches sent and not yet DELIVERED", labels);
  auto& backlog = registry.gauge_family("ferry_agent_backlog_bytes",
                                        "Bytes of tailed files not yet read", labels);
  auto& unreadable = registry.gauge_family(
      "ferry_agent_unreadable_bytes",
      "Bytes deleted or truncated before they could be read, since start", labels);
  auto& oldest =
      registry.gauge_family("ferry_agent_oldest_unacked_age_seconds",
                            "Age of the oldest event not yet DELIVERED (0 when none)", labels);
  auto& watermark =
      registry.gauge_family("ferry_agent_watermark_seconds",
                            "Time before which every event of the stream was sent", labels);
  auto& next_seq = registry.gauge_family("ferry_agent_next_seq",
                                         "Next batch sequence number of the stream", labels);
  for (const auto& ss : status.streams) {
    const metrics::LabelValues l{ss.category};
    unacked_events.set(l, static_cast<double>(ss.unacked_events));
    unacked_batches.set(l, static_cast<double>(ss.unacked_batches));
    backlog.set(l, static_cast<double>(ss.backlog_bytes));
    unreadable.set(l, static_cast<double>(ss.unreadable_bytes));
    oldest.set(l, ss.oldest_unacked_ms > 0
                      ? static_cast<double>(now - ss.oldest_unacked_ms) / 1000.0
                      : 0.0);
    watermark.set(l, static_cast<double>(ss.watermark_ms) / 1000.0);
    next_seq.set(l, static_cast<double>(checkpoint.next_seq(ss.category)));
  }
  registry.gauge("ferry_agent_broker_connected", "1 while a broker connection is up")
      .set(broker_connected ? 1 : 0);
  registry
      .gauge("ferry_agent_clamped_event_times_total",
             "Events whose own time was outside 7 days back / 1 hour ahead of their read time, "
             "given the read time")
      .set(static_cast<double>(event::clamped_event_times()));
}

}  // namespace ferry::agent
