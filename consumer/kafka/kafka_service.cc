#include "consumer/kafka/kafka_service.h"

#include "consumer/kafka/api_keys.h"

#include <fmt/format.h>

#include <iterator>

namespace ferry::consumer::kafka {

void DeferredReply::complete(std::string response) {
  response_ = std::move(response);
  if (wake_) std::exchange(wake_, nullptr)();
}

void DeferredReply::on_ready(std::function<void()> wake) {
  if (ready()) return wake();
  wake_ = std::move(wake);
}

KafkaService::KafkaService(LiveLogView& log, GroupOffsetStore& offsets, const Clock& clock,
                           KafkaServiceOptions options)
    : log_(log),
      offsets_(offsets),
      options_(std::move(options)),
      groups_(clock, options_.group_limits) {}

namespace {

Reply closing(std::string why) {
  Reply r;
  r.close_reason = std::move(why);
  return r;
}

Reply answer(std::string response) {
  Reply r;
  r.response = std::move(response);
  return r;
}

}  // namespace

Reply KafkaService::handle(std::string_view request, bool may_wait) {
  auto parsed = parse_request(request);
  if (!parsed) return closing("malformed request header: " + parsed.error().message());
  Request& req = parsed.value();
  const ApiRange* range = supported_range(req.api_key);
  if (!range) return closing(fmt::format("unsupported api key {}", req.api_key));
  if (req.version < range->min_version || req.version > range->max_version) {
    // Kafka answers an ApiVersions it cannot parse in the v0 format, listing what it
    // supports, so the client retries with a version from the list.
    if (range->key == ApiKey::kApiVersions) return answer(api_versions(req));
    return closing(fmt::format("unsupported version {} of api key {}", req.version, req.api_key));
  }

  Reply reply;
  switch (range->key) {
    case ApiKey::kProduce:
      return closing("Produce refused: topics are read-only");
    case ApiKey::kApiVersions:
      reply = answer(api_versions(req));
      break;
    case ApiKey::kMetadata:
      reply = answer(metadata(req));
      break;
    case ApiKey::kListOffsets:
      reply = answer(list_offsets(req));
      break;
    case ApiKey::kFetch:
      reply = fetch(req, may_wait);
      break;
    case ApiKey::kFindCoordinator:
      reply = answer(find_coordinator(req));
      break;
    case ApiKey::kOffsetCommit:
      reply = answer(offset_commit(req));
      break;
    case ApiKey::kOffsetFetch:
      reply = answer(offset_fetch(req));
      break;
    case ApiKey::kJoinGroup:
      reply = join_group(req);
      break;
    case ApiKey::kSyncGroup:
      reply = sync_group(req);
      break;
    case ApiKey::kHeartbeat:
      reply = answer(heartbeat(req));
      break;
    case ApiKey::kLeaveGroup:
      reply = answer(leave_group(req));
      break;
  }
  // Handlers parse the whole body before answering; a body that did not parse gets no
  // answer, as Kafka closes connections that send malformed requests.
  if (!req.body.ok()) {
    return closing(fmt::format("malformed request body (api key {} v{}): {}", req.api_key,
                               req.version, req.body.error().message()));
  }
  return reply;
}

std::string KafkaService::api_versions(const Request& req) {
  std::string out = start_response(req);
  WireWriter w(out);
  const bool supported = req.version <= 3;
  w.i16(static_cast<int16_t>(supported ? ErrorCode::kNone : ErrorCode::kUnsupportedVersion));
  const size_t n = std::size(kSupportedApis);
  if (supported && req.version >= 3) {
    w.compact_array_count(n);
  } else {
    w.array_count(n);
  }
  for (const ApiRange& api : kSupportedApis) {
    w.i16(static_cast<int16_t>(api.key));
    w.i16(api.min_version);
    w.i16(api.max_version);
    if (supported && req.version >= 3) w.empty_tagged_fields();
  }
  if (!supported) return out;      // the v0 format
  if (req.version >= 1) w.i32(0);  // throttle_time_ms
  if (req.version >= 3) w.empty_tagged_fields();
  return out;
}

}  // namespace ferry::consumer::kafka
