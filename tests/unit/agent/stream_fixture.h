#pragma once
// Test helpers for the agent's stream-side classes: a clock the test moves, and one
// source's checkpoint, encoder and StreamBatcher over files in a temp dir.

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "agent/batch_encoder.h"
#include "agent/checkpoint/checkpoint.h"
#include "agent/stream_batcher.h"
#include "agent/tail/source_watcher.h"
#include "common/base/clock.h"
#include "tests/fakes/fake_clock.h"
#include "tests/support/temp_dir.h"

namespace ferry::agent::testing {

using ferry::testing::FakeClock;

// Category "app" tailing <dir>/app.log*, batches of at most `batch_max_bytes`.
struct StreamFixture {
  explicit StreamFixture(size_t batch_max_bytes = 1 << 20) {
    auto cp = checkpoint::Checkpoint::open(dir.file("checkpoint"));
    EXPECT_TRUE(cp) << cp.error().message();
    checkpoint = std::move(cp).value();
    encoder = std::make_unique<BatchEncoder>("host", checkpoint->state().incarnation, 1);
    tail::SourceOptions so;
    so.category = "app";
    so.globs = {dir.file("app.log*")};
    so.rotate_wait_ms = 0;
    max_bytes = batch_max_bytes;
    options = so;
  }
  // Starts the watcher (files written before this are there at the start).
  StreamBatcher& start() {
    auto watcher = std::make_unique<tail::SourceWatcher>(options, clock);
    EXPECT_TRUE(watcher->start());
    stream = std::make_unique<StreamBatcher>("app", std::move(watcher), max_bytes, *checkpoint,
                                             *encoder, clock);
    return *stream;
  }
  // Reads everything there is into the stream's batches.
  void read_all(StreamBatcher::Outbox& out) {
    for (;;) {
      auto chunk = stream->watcher().read_some(1 << 20);
      ASSERT_TRUE(chunk) << chunk.error().message();
      if (chunk.value().empty()) return;
      EXPECT_TRUE(stream->add(chunk.value(), out));
    }
  }

  ferry::testing::TempDir dir;
  FakeClock clock;
  std::unique_ptr<checkpoint::Checkpoint> checkpoint;
  std::unique_ptr<BatchEncoder> encoder;
  tail::SourceOptions options;
  size_t max_bytes = 0;
  std::unique_ptr<StreamBatcher> stream;
};

}  // namespace ferry::agent::testing
