#include "common/zk/errc.h"

#include <zookeeper/zookeeper.h>

namespace ferry::zk {

namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "zookeeper"; }
  std::string message(int rc) const override { return zerror(rc); }
};

}  // namespace

const std::error_category& zk_category() {
  static const Category category;
  return category;
}

}  // namespace ferry::zk
