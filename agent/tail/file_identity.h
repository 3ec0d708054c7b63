#pragma once
// File identity (DESIGN §5): device + inode + a fingerprint of the first bytes, never
// the name. The fingerprint is
//
//   (prefix_length << 32) | crc32c(first prefix_length bytes),
//   prefix_length = min(file size, kFingerprintBytes)
//
// A file shorter than kFingerprintBytes has a provisional fingerprint that is replaced
// as the file grows, until it is final at kFingerprintBytes. Two identities name the same
// file when dev and ino are equal and the file's first prefix_length(id) bytes still hash
// to id's CRC ("prefix-compatible"): so an identity recorded while the file was small
// keeps matching it after it grew, and an inode reused for different content does not.
// This layout is stored in checkpoints and batch headers; never change it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "common/batch/batch_header.h"

namespace ferry::agent::tail {

using batch::FileIdentity;

inline constexpr uint32_t kFingerprintBytes = 1024;

uint64_t make_fingerprint(std::string_view prefix);  // prefix: at most kFingerprintBytes
inline uint32_t fingerprint_length(uint64_t fp) { return static_cast<uint32_t>(fp >> 32); }
inline uint32_t fingerprint_crc(uint64_t fp) { return static_cast<uint32_t>(fp); }
inline bool fingerprint_final(uint64_t fp) { return fingerprint_length(fp) >= kFingerprintBytes; }

// A new file counts as a copy of another only if at least this many first bytes match.
inline constexpr uint32_t kMinCopyPrefix = 64;

// CRC of the first kMinCopyPrefix bytes of `prefix` (nullopt if shorter): a cheap first
// test of "same content" before both files are read.
std::optional<uint32_t> head_crc(std::string_view prefix);

// Whether the open file's first fingerprint_length(fingerprint) bytes hash to the
// fingerprint's CRC (whatever its dev and ino): it holds, or continues, that content.
Result<bool> starts_with_fingerprint(int fd, uint64_t fingerprint);

// Whether the open file is the one `id` names (same dev+ino, prefix-compatible).
Result<bool> fd_matches(int fd, const FileIdentity& id);

// The same inode, whatever content each identity saw of it.
inline bool same_inode(const FileIdentity& a, const FileIdentity& b) {
  return a.dev == b.dev && a.ino == b.ino;
}

// "dev:ino:len/crc" for logs.
std::string to_string(const FileIdentity& id);

}  // namespace ferry::agent::tail
