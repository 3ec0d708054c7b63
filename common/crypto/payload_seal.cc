#include "common/crypto/payload_seal.h"

#include <memory>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "common/base/byte_io.h"
#include "common/base/crc32c.h"
#include "common/wire/errc.h"

namespace ferry::crypto {
namespace {

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

std::string associated_data(const batch::BatchHeader& h) {
  std::string ad;
  ByteWriter w(ad);
  w.str16(h.host);
  w.str16(h.category);
  w.u64(h.incarnation);
  w.u64(h.seq);
  w.u32(h.event_count);
  w.u32(h.raw_size);
  w.u32(h.key_id);
  return ad;
}

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* bytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

// One GCM pass: encrypts (or decrypts) `in` into `out` with `ad`; on decryption `tag`
// is checked, on encryption it is filled. False when OpenSSL fails or the tag differs.
bool gcm(bool encrypt, const Key& key, std::string_view nonce, std::string_view ad,
         std::string_view in, std::string& out, unsigned char* tag) {
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  if (!ctx) return false;
  auto init = encrypt ? EVP_EncryptInit_ex : EVP_DecryptInit_ex;
  auto update = encrypt ? EVP_EncryptUpdate : EVP_DecryptUpdate;
  int n = 0;
  out.resize(in.size());
  if (init(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()),
                          nullptr) != 1 ||
      init(ctx.get(), nullptr, nullptr, key.data(), bytes(nonce)) != 1 ||
      update(ctx.get(), nullptr, &n, bytes(ad), static_cast<int>(ad.size())) != 1 ||
      update(ctx.get(), bytes(out), &n, bytes(in), static_cast<int>(in.size())) != 1) {
    return false;
  }
  if (encrypt) {
    return EVP_EncryptFinal_ex(ctx.get(), bytes(out) + n, &n) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, tag) == 1;
  }
  return EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag) == 1 &&
         EVP_DecryptFinal_ex(ctx.get(), bytes(out) + n, &n) == 1;
}

}  // namespace

std::error_code seal_payload(const Key& key, uint32_t key_id, batch::BatchHeader& header,
                             std::string& payload) {
  batch::BatchHeader sealed = header;
  sealed.flags |= batch::kFlagSealed;
  sealed.key_id = key_id;
  // A random 96-bit nonce per batch: with one key sealing fewer than 2^32 batches the
  // chance of a repeat stays below GCM's 2^-32 bound.
  std::string out(kNonceBytes, '\0');
  if (RAND_bytes(bytes(out), kNonceBytes) != 1) return wire::Errc::kInternal;
  std::string ciphertext;
  unsigned char tag[kTagBytes];
  if (!gcm(true, key, out, associated_data(sealed), payload, ciphertext, tag))
    return wire::Errc::kInternal;
  out += ciphertext;
  out.append(reinterpret_cast<const char*>(tag), kTagBytes);
  sealed.payload_size = static_cast<uint32_t>(out.size());
  sealed.payload_crc = crc32c::value(out);
  header = std::move(sealed);
  payload = std::move(out);
  return {};
}

std::error_code open_payload(const KeyRing& keys, batch::BatchHeader& header, std::string& payload,
                             std::string& why) {
  if (!header.sealed()) return {};
  const Key* key = keys.find(header.key_id);
  if (key == nullptr) {
    why = "sealed with key id " + std::to_string(header.key_id) + ", which this node does not hold";
    return wire::Errc::kBadBatch;
  }
  if (payload.size() < kSealOverhead) {
    why = "sealed payload of " + std::to_string(payload.size()) +
          " bytes is shorter than nonce and tag";
    return wire::Errc::kBadBatch;
  }
  std::string_view all(payload);
  unsigned char tag[kTagBytes];
  all.substr(all.size() - kTagBytes).copy(reinterpret_cast<char*>(tag), kTagBytes);
  std::string plain;
  if (!gcm(false, *key, all.substr(0, kNonceBytes), associated_data(header),
           all.substr(kNonceBytes, all.size() - kSealOverhead), plain, tag)) {
    why = "sealed payload does not open with key id " + std::to_string(header.key_id) +
          " (bad tag: tampered, or moved from another batch)";
    return wire::Errc::kBadBatch;
  }
  header.flags &= static_cast<uint8_t>(~batch::kFlagSealed);
  header.key_id = 0;
  header.payload_size = static_cast<uint32_t>(plain.size());
  header.payload_crc = crc32c::value(plain);
  payload = std::move(plain);
  return {};
}

}  // namespace ferry::crypto
