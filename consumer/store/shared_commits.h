#pragma once
// What several consumers writing one output share, besides the output (DESIGN §8;
// docs/coordination.md), all under <root>/_ferry/ (hidden from readers of the output,
// like every name starting with '_' or '.'):
//   tmp/<consumer>-<epoch>/      this process's temp files. A successor fences a dead
//                                 owner by renaming the directory to fenced/...: the
//                                 dead process's pending renames then find no file, so
//                                 nothing it had not committed can land any more.
//   commits/<consumer>-<n>.commit  the commit manifest of file n: its final path and
//                                 batch ids, written and synced before the file's
//                                 rename. A batch is committed iff a manifest names it
//                                 and the manifest's final file exists: a new owner of a
//                                 stream reads them to know what the old one committed.
//   progress/<consumer>.json      what each consumer's hour tracker knows, for the
//                                 tier's hour completeness (consumer/store/tier_hours.h).

#include <string>
#include <string_view>

#include "common/base/result.h"
#include "consumer/store/file_record.h"

namespace ferry::consumer::store::shared_commits {

inline const std::string kCommitsDir = "_ferry/commits";
inline const std::string kManifestSuffix = ".commit";

std::string temp_dir(std::string_view fence_tag);
std::string fenced_dir(std::string_view fence_tag);
std::string manifest_path(std::string_view consumer_id, uint64_t number);
// The consumer id of a manifest's name ("c-1-17.commit" -> "c-1"); empty if it is none.
std::string writer_of(std::string_view manifest_name);

// The manifest text of a prepared record (final_path set), written by the instance
// `writer` (its fence tag). Text, one batch a line.
std::string encode_manifest(const FileRecord& rec, std::string_view writer);
// Errc::kBadRecord for anything encode_manifest cannot have written (e.g. cut short).
Result<FileRecord> decode_manifest(std::string_view text);

}  // namespace ferry::consumer::store::shared_commits
