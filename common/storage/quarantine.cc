#include "common/storage/quarantine.h"

#include <algorithm>
#include <filesystem>

#include "common/storage/durable_file.h"

namespace ferry::storage {
namespace fs = std::filesystem;

namespace {

std::string name_of(const batch::BatchHeader& h) {
  // Names are [A-Za-z0-9._-] (batch::valid_name), so this is one path component.
  return h.host + "." + h.category + "." + std::to_string(h.incarnation) + "." +
         std::to_string(h.seq);
}

}  // namespace

Result<std::unique_ptr<Quarantine>> Quarantine::open(std::string dir, QuarantineLimits limits,
                                                     FileModes modes) {
  // Refused batches hold log content: as private as the output (file_modes.h).
  if (std::error_code ec = create_dirs(dir, modes.dir)) return ec;
  std::unique_ptr<Quarantine> q(new Quarantine(std::move(dir), limits, modes));
  BOOST_OUTCOME_TRY(held, list(q->dir_));
  for (const auto& b : held) {
    ++q->batches_;
    q->bytes_ += b.bytes;
  }
  return q;
}

Result<void> Quarantine::put(const wire::BatchFrame& frame, std::string_view reason) {
  const std::string base = dir_ + "/" + name_of(frame.header);
  std::string encoded = wire::encode(frame);
  std::lock_guard lock(mu_);
  const bool keep = batches_ < limits_.max_batches && bytes_ + encoded.size() <= limits_.max_bytes;
  std::string line(reason);
  if (!keep) line += " (frame not kept: quarantine full)";
  if (keep) {
    BOOST_OUTCOME_TRY(durable_write(base + ".batch", encoded, modes_.file));
  }
  BOOST_OUTCOME_TRY(durable_write(base + ".reason", line + "\n", modes_.file));
  ++batches_;
  if (keep) {
    bytes_ += encoded.size();
  } else {
    ++dropped_;
  }
  return success();
}

uint64_t Quarantine::batches() const {
  std::lock_guard lock(mu_);
  return batches_;
}

uint64_t Quarantine::dropped_frames() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

Result<std::vector<QuarantinedBatch>> Quarantine::list(const std::string& dir) {
  std::error_code ec;
  std::vector<QuarantinedBatch> out;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".reason") continue;
    QuarantinedBatch b;
    b.name = entry.path().stem().string();
    auto reason = read_whole_file(entry.path().string());
    if (reason) b.reason = reason.value().substr(0, reason.value().find('\n'));
    auto size = fs::file_size(dir + "/" + b.name + ".batch", ec);
    b.bytes = ec ? 0 : size;
    out.push_back(std::move(b));
  }
  if (ec && out.empty() && !fs::exists(dir)) return ec;
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

}  // namespace ferry::storage
