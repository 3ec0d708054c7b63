#pragma once
// Incremental frame decoder: feed it bytes in chunks of any size, take whole frames out.
// It validates the header (magic, version, type, flags, length) before buffering the
// body, so a hostile peer cannot make it allocate more than max_body + one read chunk,
// and checks the CRC before handing a body out. After the first error the decoder stays
// failed: the connection is to be closed with an ERROR naming that reason.
//
// Not thread-safe; one per connection.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "common/base/result.h"
#include "common/wire/frame.h"

namespace ferry::wire {

class FrameDecoder {
 public:
  explicit FrameDecoder(uint32_t max_body = kDefaultMaxFrameBody);

  // Appends received bytes.
  void feed(std::string_view data);

  // The next complete frame, nullopt when more bytes are needed, or the error that
  // makes the stream unusable.
  Result<std::optional<Frame>> next();

  // Bytes held but not yet returned as frames.
  size_t buffered() const { return buf_.size() - pos_; }
  // Bytes still to come before the next frame is whole (of its header, while that is
  // incomplete), for sizing the next read.
  size_t wanted() const;
  // With nothing buffered, hands the buffer's memory back: an idle connection holds
  // none (a connection that once took a large frame would keep its size).
  void release_if_empty();
  std::error_code error() const { return error_; }

 private:
  std::error_code check_header(std::string_view header, uint32_t& length) const;

  uint32_t max_body_;
  std::string buf_;
  size_t pos_ = 0;
  std::error_code error_;
};

}  // namespace ferry::wire
