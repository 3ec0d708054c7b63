#include "agent/checkpoint/errc.h"

#include <string>

namespace ferry::agent::checkpoint {
namespace {

class CheckpointCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "ferry.checkpoint"; }
  std::string message(int code) const override {
    switch (static_cast<Errc>(code)) {
      case Errc::kCorrupt:
        return "checkpoint file is corrupt";
      case Errc::kNoValidCopy:
        return "no valid checkpoint copy (state and state.prev corrupt)";
      case Errc::kSeqOutOfOrder:
        return "batch seq is not the stream's next seq";
      case Errc::kRangeGap:
        return "batch leaves a gap after its file's recorded position";
    }
    return "unknown checkpoint error " + std::to_string(code);
  }
};

}  // namespace

const std::error_category& checkpoint_category() {
  static const CheckpointCategory category;
  return category;
}

}  // namespace ferry::agent::checkpoint
