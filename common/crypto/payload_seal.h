#pragma once
// AES-256-GCM sealing of a batch's compressed payload (docs/protocol.md §5.1). The sealed
// payload is nonce (12 random bytes) | ciphertext | tag (16 bytes); the header says
// sealed (flag bit 0) and names the key. The associated data is the batch's identity —
// host, category, incarnation, seq, event_count, raw_size, key_id — so a sealed payload
// moved under another header, or replayed as another seq, fails to open.

#include <string>
#include <system_error>

#include "common/batch/batch_header.h"
#include "common/crypto/key_ring.h"

namespace ferry::crypto {

constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr size_t kSealOverhead = kNonceBytes + kTagBytes;

// Seals `payload` in place with key `key_id`; sets the header's flag, key id, payload
// size and CRC (over the sealed bytes, so every hop can still check it).
std::error_code seal_payload(const Key& key, uint32_t key_id, batch::BatchHeader& header,
                             std::string& payload);

// Opens a sealed payload in place with the key its header names; the header becomes the
// unsealed batch's (flag and key id cleared, size and CRC of the compressed bytes).
// On failure nothing changes and `why` says what was wrong (no such key, bad tag, ...).
std::error_code open_payload(const KeyRing& keys, batch::BatchHeader& header, std::string& payload,
                             std::string& why);

}  // namespace ferry::crypto
