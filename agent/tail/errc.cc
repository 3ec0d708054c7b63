#include "agent/tail/errc.h"

#include <string>

namespace ferry::agent::tail {
namespace {

class TailCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "ferry.tail"; }
  std::string message(int code) const override {
    switch (static_cast<Errc>(code)) {
      case Errc::kFileGone:
        return "no tailed file has this identity any more";
      case Errc::kRangeUnavailable:
        return "file is shorter than the requested range";
      case Errc::kNotRegularFile:
        return "not a regular file";
    }
    return "unknown tail error " + std::to_string(code);
  }
};

}  // namespace

const std::error_category& tail_category() {
  static const TailCategory category;
  return category;
}

}  // namespace ferry::agent::tail
