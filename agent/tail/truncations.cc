#include "agent/tail/truncations.h"

namespace ferry::agent::tail {

void Truncations::remember(Truncation truncation) {
  list_.push_back(std::move(truncation));
  if (list_.size() > kMaxTruncations) list_.erase(list_.begin());
}

std::optional<Truncation> Truncations::claim(uint64_t fingerprint, std::optional<uint32_t> head,
                                             const std::function<bool(uint64_t)>& starts_with) {
  const uint32_t len = fingerprint_length(fingerprint);
  for (size_t i = list_.size(); i-- > 0;) {  // newest first
    const Truncation& tr = list_[i];
    // The old content is known by as many first bytes as had been read of it.
    const uint32_t known = fingerprint_length(tr.content.fingerprint);
    if (known > len || (tr.head && tr.head != head)) continue;
    if (known == len ? tr.content.fingerprint != fingerprint : !starts_with(tr.content.fingerprint))
      continue;
    Truncation claimed = tr;
    list_.erase(list_.begin() + static_cast<ptrdiff_t>(i));
    return claimed;
  }
  return std::nullopt;
}

std::vector<Truncation> Truncations::waiting(TimeMs now) const {
  std::vector<Truncation> out;
  for (const auto& tr : list_) {
    if (!tr.reported && now - tr.at_ms < kClaimWaitMs) out.push_back(tr);
  }
  return out;
}

std::vector<Truncation> Truncations::take_expired(TimeMs now) {
  std::vector<Truncation> out;
  for (auto& tr : list_) {
    if (tr.reported || now - tr.at_ms < kClaimWaitMs) continue;
    tr.reported = true;
    out.push_back(tr);
    tr.unread = 0;
  }
  return out;
}

}  // namespace ferry::agent::tail
