#pragma once
// One parsed request header and the reader positioned at its body; the response header
// (v0: the correlation id alone, which is also what ApiVersions always gets).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "consumer/kafka/kafka_wire.h"

namespace ferry::consumer::kafka {

struct KafkaRequest {
  int16_t api_key = 0;
  int16_t version = 0;
  int32_t correlation_id = 0;
  std::string client_id;
  WireReader body{std::string_view{}};
};

// Header v1 (api_key, api_version, correlation_id, client_id), or v2 (plus tagged
// fields) for the flexible versions: of those served, ApiVersions v3 and up.
Result<KafkaRequest> parse_request(std::string_view bytes);

// A response buffer that starts with the response header.
std::string start_response(const KafkaRequest& req);

}  // namespace ferry::consumer::kafka
