#include "tools/ferryctl/output_parts.h"

#include "common/compress/zstd_codec.h"
#include "common/storage/durable_file.h"

namespace ferry::ferryctl {
namespace {

namespace fs = std::filesystem;

// A part is at most roll_bytes (a few hundred MiB) decompressed; this bounds a corrupt one.
constexpr uint64_t kMaxPartBytes = 8ull << 30;

bool is_part_name(const std::string& name) {
  return !name.empty() && name[0] != '.' && name != "_SUCCESS" &&
         name.find(".log") != std::string::npos;
}

}  // namespace

bool is_replay_part(const fs::path& relative) {
  for (const auto& piece : relative.parent_path()) {
    if (piece.string().rfind("replay-", 0) == 0) return true;
  }
  return false;
}

Result<void> for_each_part(const std::string& output_root,
                           const std::function<bool(const fs::path&)>& keep,
                           const std::function<void(std::string_view)>& fn) {
  compress::ZstdDecompressor zstd;
  std::string raw;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(output_root, ec);
       !ec && it != fs::recursive_directory_iterator(); ++it) {
    if (it->is_directory() && it->path().filename() == "_ferry") {  // a tier's shared state
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file() || !is_part_name(it->path().filename().string())) continue;
    if (keep && !keep(fs::relative(it->path(), output_root))) continue;
    BOOST_OUTCOME_TRY(bytes, storage::read_whole_file(it->path().string()));
    if (it->path().extension() == ".zst") {
      auto r = zstd.decompress(bytes, kMaxPartBytes, raw);
      if (!r) return r.error();
    } else {
      raw = std::move(bytes);
    }
    fn(raw);
  }
  if (ec) return ec;
  return success();
}

}  // namespace ferry::ferryctl
