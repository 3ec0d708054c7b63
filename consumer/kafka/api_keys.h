#pragma once
// The Kafka APIs this service answers and the versions of each it accepts (all
// non-flexible, except ApiVersions v3). Everything else, every write included, is not
// advertised; a request for it closes the connection.
//
// Produce is the exception that is advertised and still refused: librdkafka enables
// record batches v2 (its "MsgVer2" feature, needed for Fetch v4 and up) only if the
// broker lists Produce v3, and zstd only with Produce v7. A Produce request closes the
// connection like any other write.

#include <cstdint>

namespace ferry::consumer::kafka {

enum class ApiKey : int16_t {
  kProduce = 0,
  kFetch = 1,
  kListOffsets = 2,
  kMetadata = 3,
  kOffsetCommit = 8,
  kOffsetFetch = 9,
  kFindCoordinator = 10,
  kJoinGroup = 11,
  kHeartbeat = 12,
  kLeaveGroup = 13,
  kSyncGroup = 14,
  kApiVersions = 18,
};

struct ApiRange {
  ApiKey key;
  int16_t min_version;
  int16_t max_version;
};

inline constexpr ApiRange kSupportedApis[] = {
    {ApiKey::kProduce, 3, 7},  // advertised for librdkafka's feature checks; refused
    {ApiKey::kFetch, 4, 11},       {ApiKey::kListOffsets, 1, 5}, {ApiKey::kMetadata, 0, 8},
    {ApiKey::kOffsetCommit, 2, 7}, {ApiKey::kOffsetFetch, 1, 5}, {ApiKey::kFindCoordinator, 0, 2},
    {ApiKey::kJoinGroup, 0, 5},    {ApiKey::kHeartbeat, 0, 3},   {ApiKey::kLeaveGroup, 0, 3},
    {ApiKey::kSyncGroup, 0, 3},    {ApiKey::kApiVersions, 0, 3},
};

// The range for `key`, or nullptr when the key is not served.
inline const ApiRange* supported_range(int16_t key) {
  for (const ApiRange& r : kSupportedApis) {
    if (static_cast<int16_t>(r.key) == key) return &r;
  }
  return nullptr;
}

// Kafka's error codes (org.apache.kafka.common.protocol.Errors) that this service sends.
enum class ErrorCode : int16_t {
  kUnknownServerError = -1,
  kNone = 0,
  kOffsetOutOfRange = 1,
  kUnknownTopicOrPartition = 3,
  kOffsetMetadataTooLarge = 12,
  kCoordinatorNotAvailable = 15,
  kIllegalGeneration = 22,
  kInconsistentGroupProtocol = 23,
  kInvalidGroupId = 24,
  kUnknownMemberId = 25,
  kInvalidSessionTimeout = 26,
  kRebalanceInProgress = 27,
  kUnsupportedVersion = 35,
  kInvalidRequest = 42,
  kKafkaStorageError = 56,
  kGroupMaxSizeReached = 81,
};

}  // namespace ferry::consumer::kafka
