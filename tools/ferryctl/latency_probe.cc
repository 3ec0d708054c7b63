#include "tools/ferryctl/latency_probe.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>

#include "tools/ferryctl/bench_corpus.h"
#include "tools/ferryctl/output_parts.h"
#include "tools/ferryctl/verify.h"

namespace ferry::ferryctl {
namespace {

constexpr int64_t kNotSeen = std::numeric_limits<int64_t>::min();

bool write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

int64_t wall_clock_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

RateWriter::RateWriter(std::vector<std::string> files, double rate, double seconds)
    : files_(std::move(files)), rate_(rate), seconds_(seconds), thread_([this] { run(); }) {}

RateWriter::~RateWriter() {
  stop_ = true;
  join();
}

void RateWriter::join() {
  if (thread_.joinable()) thread_.join();
}

void RateWriter::run() {
  std::vector<int> fds;
  for (const auto& f : files_) {
    const int fd = ::open(f.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
      error_ = "cannot open " + f + ": " + std::strerror(errno);
      for (int open_fd : fds) ::close(open_fd);
      return;
    }
    fds.push_back(fd);
  }
  EventLines events;
  std::vector<std::string> bursts(fds.size());
  const auto start = std::chrono::steady_clock::now();
  auto next = start;
  uint64_t seq = 0;
  while (!stop_) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const uint64_t due = static_cast<uint64_t>(rate_ * std::min(elapsed, seconds_));
    const int64_t written_at = wall_clock_us();
    for (auto& b : bursts) b.clear();
    for (; seq < due; ++seq)
      events.append(bursts[seq % bursts.size()], seq, written_at / 1000, written_at);
    for (size_t i = 0; i < fds.size(); ++i) {
      if (!bursts[i].empty() && !write_all(fds[i], bursts[i])) {
        error_ = "cannot write " + files_[i] + ": " + std::strerror(errno);
        stop_ = true;
      }
    }
    written_ = seq;
    if (elapsed >= seconds_) break;
    next += std::chrono::milliseconds(10);
    std::this_thread::sleep_until(next);
  }
  elapsed_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (int fd : fds) ::close(fd);
}

CommitWatcher::CommitWatcher(std::string output_root, int poll_ms)
    : root_(std::move(output_root)), poll_ms_(poll_ms), thread_([this] { run(); }) {}

CommitWatcher::~CommitWatcher() { stop(); }

void CommitWatcher::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void CommitWatcher::run() {
  auto next = std::chrono::steady_clock::now();
  while (!stop_ && error_.empty()) {
    scan();
    next += std::chrono::milliseconds(poll_ms_);
    std::this_thread::sleep_until(next);
  }
  if (error_.empty()) scan();  // what committed since the last poll
}

void CommitWatcher::scan() {
  // Taken before the listing: a part found now appeared after the previous scan began,
  // so a latency reads high by at most the poll interval (low by at most a listing).
  const int64_t scanned_at = wall_clock_us();
  std::vector<std::string> found;
  auto read = for_each_part(
      root_,
      [&](const std::filesystem::path& relative) {
        if (is_replay_part(relative)) return false;
        const std::string name = relative.string();
        if (std::binary_search(parts_seen_.begin(), parts_seen_.end(), name)) return false;
        found.push_back(name);
        return true;
      },
      [&](std::string_view raw) {
        for_each_line(raw, [&](std::string_view line) {
          uint64_t seq = 0;
          int64_t written = 0;
          if (!parse_timed_line(line, seq, written)) return;
          if (seq >= latency_us_.size())
            latency_us_.resize(std::max<size_t>(seq + 1, latency_us_.size() * 2), kNotSeen);
          if (latency_us_[seq] != kNotSeen) return;  // a duplicate: the first sighting counts
          latency_us_[seq] = scanned_at - written;
          ++seen_;
        });
      });
  if (!read) error_ = "reading " + root_ + ": " + read.error().message();
  parts_seen_.insert(parts_seen_.end(), found.begin(), found.end());
  std::sort(parts_seen_.begin(), parts_seen_.end());
}

std::vector<int64_t> CommitWatcher::latencies_us() const {
  std::vector<int64_t> out;
  for (int64_t l : latency_us_) {
    if (l != kNotSeen) out.push_back(l);
  }
  return out;
}

LatencySummary summarize_latency(std::vector<int64_t> us) {
  LatencySummary s;
  s.count = us.size();
  if (us.empty()) return s;
  std::sort(us.begin(), us.end());
  auto at = [&](double q) {  // nearest rank
    const size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(us.size())));
    return static_cast<double>(us[std::clamp<size_t>(rank, 1, us.size()) - 1]) / 1000.0;
  };
  s.p50_ms = at(0.50);
  s.p90_ms = at(0.90);
  s.p99_ms = at(0.99);
  s.max_ms = static_cast<double>(us.back()) / 1000.0;
  return s;
}

}  // namespace ferry::ferryctl
