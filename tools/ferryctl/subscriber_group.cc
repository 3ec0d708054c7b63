#include "tools/ferryctl/subscriber_group.h"

#include <algorithm>
#include <thread>

#include "tools/ferryctl/delivery_count.h"

namespace ferry::ferryctl {

SubscriberGroup::SubscriberGroup(int count, const KafkaEndpoint& endpoint, const std::string& topic,
                                 const std::string& name, uint64_t expected)
    : expected_(expected) {
  for (int i = 1; i <= count; ++i) {
    subscribers_.push_back(std::make_unique<KafkaSubscriber>(
        endpoint, topic, name + "-" + std::to_string(i), expected));
  }
}

void SubscriberGroup::expect(uint64_t lines) {
  expected_ = lines;
  for (auto& s : subscribers_) s->expect(lines);
}

std::string SubscriberGroup::wait_all_read(Clock::time_point deadline) const {
  while (true) {
    bool all_done = true;
    uint64_t slowest = expected_;
    std::string error;
    for (const auto& s : subscribers_) {
      if (s->done_at() == Clock::time_point{}) {
        all_done = false;
        slowest = std::min(slowest, s->records());
      }
      if (error.empty()) error = s->error();
    }
    if (all_done) return {};
    if (Clock::now() > deadline) {
      return "subscribers timed out: the slowest read " + std::to_string(slowest) + " of " +
             std::to_string(expected_) + " lines" + (error.empty() ? "" : " (" + error + ")");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

SubscriberGroup::Clock::time_point SubscriberGroup::last_done_at() const {
  Clock::time_point last{};
  for (const auto& s : subscribers_) last = std::max(last, s->done_at());
  return last;
}

void SubscriberGroup::stop() {
  for (auto& s : subscribers_) s->stop();
}

void SubscriberGroup::count_lost_and_duplicated(const std::vector<uint64_t>& written_sorted,
                                                SubscriberFigures& figures) const {
  for (const auto& s : subscribers_) {
    const DeliveryCount c = compare_line_hashes(written_sorted, s->line_hashes());
    figures.lost += c.lost;
    figures.duplicated += c.duplicated;
  }
}

std::vector<int64_t> SubscriberGroup::latencies_us() const {
  std::vector<int64_t> all;
  for (const auto& s : subscribers_)
    all.insert(all.end(), s->latencies_us().begin(), s->latencies_us().end());
  return all;
}

}  // namespace ferry::ferryctl
