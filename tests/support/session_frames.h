#pragma once
// What session tests send and look for: a batch that passes every hop's checks
// (batch::BatchChecker), and the code of the ERROR frame a session answered with.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/wire/frame.h"
#include "common/wire/messages.h"

namespace ferry::testing {

// One line, "line <seq>\n", uncompressed, with its CRC; event time 2027-01-15.
wire::BatchFrame checked_batch(uint64_t seq, const std::string& host = "h1",
                               const std::string& category = "app");

// The code of the ERROR frame among `frames` (nullopt: none).
std::optional<uint16_t> error_code_of(const std::vector<wire::Frame>& frames);

}  // namespace ferry::testing
