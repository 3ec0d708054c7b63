#pragma once
// Letting go of files: a finished file (rotated and read to its end) is closed once no
// unacked batch and no open batch needs it, and a read position is forgotten once its
// file is gone from the globs and nothing references it.

#include <map>
#include <string>
#include <vector>

#include "agent/agent_config.h"
#include "agent/checkpoint/checkpoint.h"
#include "agent/stream_batcher.h"

namespace ferry::agent {

// Releases each stream's finished files that no unacked or open batch references.
void release_finished_files(std::map<std::string, StreamBatcher>& streams,
                            const checkpoint::Checkpoint& checkpoint);

// Forgets the read positions of files no glob of their source matches any more, that no
// unacked batch references and the watcher no longer tracks.
void prune_positions(const std::vector<SourceConfig>& sources,
                     const std::map<std::string, StreamBatcher>& streams,
                     checkpoint::Checkpoint& checkpoint);

}  // namespace ferry::agent
