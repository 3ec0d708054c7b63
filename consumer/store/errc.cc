#include "consumer/store/errc.h"

#include <string>

namespace ferry::consumer::store {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "ferry.consumer.store"; }
  std::string message(int c) const override {
    switch (static_cast<Errc>(c)) {
      case Errc::kOk:
        return "ok";
      case Errc::kFailed:
        return "store failed earlier; reopen to recover";
      case Errc::kSealedPayload:
        return "sealed payload reached the store";
      case Errc::kBadBatch:
        return "bad batch";
      case Errc::kBadRecord:
        return "undecodable manifest or tracker record";
      case Errc::kExists:
        return "target already exists";
    }
    return "unknown store error " + std::to_string(c);
  }
};

}  // namespace

const std::error_category& store_category() {
  static Category c;
  return c;
}

}  // namespace ferry::consumer::store
