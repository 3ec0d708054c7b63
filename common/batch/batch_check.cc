#include "common/batch/batch_check.h"

#include "common/batch/payload.h"

namespace ferry::batch {
namespace {

constexpr size_t kKeptScratchBytes = 4u << 20;

}  // namespace

std::error_code BatchChecker::check(const wire::BatchFrame& b, TimeMs now, std::string& why) {
  const auto& h = b.header;
  if (auto ec = validate_header(h)) {
    why = "header: " + ec.message() + " (codec " + std::to_string(static_cast<int>(h.codec)) +
          ", flags " + std::to_string(h.flags) + ")";
    return ec;
  }
  if (!window_.contains(h.min_time_ms, now) || !window_.contains(h.max_time_ms, now)) {
    why = "event times " + std::to_string(h.min_time_ms) + ".." + std::to_string(h.max_time_ms) +
          " ms are outside the accepted window around now (" + std::to_string(now) + ")";
    return wire::Errc::kBadBatch;
  }
  auto ec = validate_payload(h, b.payload, zstd_, raw_, why);
  if (raw_.capacity() > kKeptScratchBytes) std::string().swap(raw_);
  return ec;
}

}  // namespace ferry::batch
