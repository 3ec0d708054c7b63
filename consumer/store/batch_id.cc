#include "consumer/store/batch_id.h"

#include "common/storage/key_codec.h"
#include "consumer/store/errc.h"

namespace ferry::consumer::store {

std::string batch_id_key(const BatchId& id) {
  std::string k = storage::stream_prefix(id.host, id.category, id.incarnation);
  storage::put_be64(k, id.replay_id);
  storage::put_be64(k, id.seq);
  return k;
}

Result<BatchId> parse_batch_id_key(std::string_view key) {
  BatchId id;
  id.host = std::string(storage::take_name(key));
  id.category = std::string(storage::take_name(key));
  if (id.host.empty() || id.category.empty() || key.size() != 24)
    return std::error_code(Errc::kBadRecord);
  id.incarnation = storage::get_be64(key.substr(0, 8));
  id.replay_id = storage::get_be64(key.substr(8, 8));
  id.seq = storage::get_be64(key.substr(16));
  return id;
}

}  // namespace ferry::consumer::store
