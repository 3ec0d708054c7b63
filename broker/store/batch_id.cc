#include "broker/store/batch_id.h"

#include <fmt/format.h>

#include "common/storage/key_codec.h"

namespace ferry::broker::store {

std::string key_of(const BatchId& id) {
  return storage::stream_seq_key(id.host, id.category, id.incarnation, id.seq);
}

std::optional<BatchId> batch_id_from_key(std::string_view key) {
  if (key.empty()) return std::nullopt;
  std::string_view host = storage::take_name(key);
  if (host.empty()) return std::nullopt;
  std::string_view category = storage::take_name(key);
  if (category.empty() || key.size() != 16) return std::nullopt;
  BatchId id;
  id.host = std::string(host);
  id.category = std::string(category);
  id.incarnation = storage::get_be64(key.substr(0, 8));
  id.seq = storage::get_be64(key.substr(8));
  return id;
}

std::string describe_key(std::string_view key) {
  auto id = batch_id_from_key(key);
  if (!id) return "an unparsable key";
  return fmt::format("{}/{} seq {}", id->host, id->category, id->seq);
}

}  // namespace ferry::broker::store
