#include "consumer/store/shared_commits.h"

#include <charconv>
#include <sstream>
#include <vector>

#include "common/batch/batch_header.h"
#include "consumer/store/errc.h"

namespace ferry::consumer::store::shared_commits {
namespace {

constexpr std::string_view kMagic = "ferry-commit 1";

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    size_t sp = line.find(' ', i);
    if (sp == std::string_view::npos) sp = line.size();
    out.push_back(line.substr(i, sp - i));
    i = sp + 1;
  }
  return out;
}

bool number(std::string_view s, uint64_t& out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && !s.empty();
}

}  // namespace

std::string temp_dir(std::string_view fence_tag) { return "_ferry/tmp/" + std::string(fence_tag); }
std::string fenced_dir(std::string_view fence_tag) {
  return "_ferry/fenced/" + std::string(fence_tag);
}

std::string manifest_path(std::string_view consumer_id, uint64_t number) {
  return kCommitsDir + "/" + std::string(consumer_id) + "-" + std::to_string(number) +
         kManifestSuffix;
}

std::string writer_of(std::string_view name) {
  if (name.size() <= kManifestSuffix.size() || !name.ends_with(kManifestSuffix)) return {};
  name.remove_suffix(kManifestSuffix.size());
  const size_t dash = name.rfind('-');
  uint64_t n = 0;
  if (dash == std::string_view::npos || dash == 0 || !number(name.substr(dash + 1), n)) return {};
  return std::string(name.substr(0, dash));
}

std::string encode_manifest(const FileRecord& rec, std::string_view writer) {
  std::string out(kMagic);
  out += "\nwriter " + std::string(writer) + "\nfinal " + rec.final_path + "\ncategory " +
         rec.bucket.category + "\nreplay " + std::to_string(rec.bucket.replay_id) + "\n";
  for (const auto& b : rec.batches) {
    out += "b " + b.host + " " + std::to_string(b.incarnation) + " " + std::to_string(b.seq) + " " +
           std::to_string(b.events) + "\n";
  }
  out += "end " + std::to_string(rec.batches.size()) + "\n";
  return out;
}

Result<FileRecord> decode_manifest(std::string_view text) {
  const std::error_code bad(Errc::kBadRecord);
  FileRecord rec;
  rec.state = FileState::kCommitted;
  bool ended = false;
  size_t line_no = 0;
  for (size_t i = 0; i < text.size();) {
    size_t nl = text.find('\n', i);
    if (nl == std::string_view::npos) return bad;  // cut short
    const std::string_view line = text.substr(i, nl - i);
    i = nl + 1;
    if (ended) return bad;
    if (line_no++ == 0) {
      if (line != kMagic) return bad;
      continue;
    }
    auto w = words(line);
    uint64_t a = 0, b = 0, c = 0;
    if (w.size() == 2 && w[0] == "writer") {
      continue;  // for people and tests: who wrote it
    } else if (w.size() == 2 && w[0] == "final") {
      rec.final_path = std::string(w[1]);
    } else if (w.size() == 2 && w[0] == "category" && batch::valid_name(w[1])) {
      rec.bucket.category = std::string(w[1]);
    } else if (w.size() == 2 && w[0] == "replay" && number(w[1], a)) {
      rec.bucket.replay_id = a;
    } else if (w.size() == 5 && w[0] == "b" && batch::valid_name(w[1]) && number(w[2], a) &&
               number(w[3], b) && number(w[4], c) && b > 0 && c <= UINT32_MAX) {
      rec.batches.push_back(BatchMeta{std::string(w[1]), b, static_cast<uint32_t>(c), a});
    } else if (w.size() == 2 && w[0] == "end" && number(w[1], a) && a == rec.batches.size()) {
      ended = true;
    } else {
      return bad;
    }
  }
  if (!ended || rec.final_path.empty() || rec.bucket.category.empty()) return bad;
  return rec;
}

}  // namespace ferry::consumer::store::shared_commits
