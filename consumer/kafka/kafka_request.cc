#include "consumer/kafka/kafka_request.h"

#include "consumer/kafka/api_keys.h"

namespace ferry::consumer::kafka {

Result<KafkaRequest> parse_request(std::string_view bytes) {
  WireReader r(bytes);
  KafkaRequest req;
  req.api_key = r.i16();
  req.version = r.i16();
  req.correlation_id = r.i32();
  req.client_id = std::string(r.nullable_string().value_or(""));
  if (req.api_key == static_cast<int16_t>(ApiKey::kApiVersions) && req.version >= 3) {
    r.skip_tagged_fields();
  }
  if (!r.ok()) return r.error();
  req.body = WireReader(bytes.substr(r.position()));
  return req;
}

std::string start_response(const KafkaRequest& req) {
  std::string out;
  WireWriter(out).i32(req.correlation_id);
  return out;
}

}  // namespace ferry::consumer::kafka
