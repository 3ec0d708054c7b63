#pragma once
// The consumer's side of replays (DESIGN §7, docs/api.md "Replays").
//
// start() (POST /api/replays, admin) records a replay durably, then sends REPLAY to
// every connected broker of the selected DCs; a broker of those DCs that (re)connects
// while the replay runs gets it again, and resumes from its own committed cursor.
// Replayed batches go to <hour>/replay-<id>/ through the ordinary store (deduplicated by
// batch id and replay id, so resends after any crash commit once); on_added/on_committed
// count them per host, category and hour. A broker reports kDone once everything it sent
// was committed; when every broker asked is done, _SUCCESS is written into each
// replay-<id>/ directory (a manifest of hosts and counts) and the replay is complete.
//
// Threading: everything runs on the io thread except sink and RocksDB writes, which go
// to the store's worker (in order with commits). Persisted: the record at each state
// change; the counts of a running replay are recomputed from the commit manifest by
// load(), so they stay exact across SIGKILL.

#include <map>
#include <memory>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "common/base/clock.h"
#include "common/batch/batch_header.h"
#include "common/http/request.h"
#include "common/net/asio.h"
#include "common/net/frame_connection.h"
#include "common/storage/rocks_store.h"
#include "consumer/replay/replay_record.h"
#include "consumer/store/batch_id.h"
#include "consumer/store/sink.h"

namespace ferry::consumer::replay {

class ReplayManager {
 public:
  static constexpr const char* kCf = "replays";

  ReplayManager(storage::RocksStore& db, store::Sink& sink, asio::thread_pool& worker,
                asio::any_io_executor io, const Clock& clock);

  // At start, before any broker connects (after the store's recovery).
  Result<void> load();

  void on_broker_connected(const std::string& broker, const std::string& dc,
                           const std::shared_ptr<net::FrameConnection>& conn);
  void on_broker_disconnected(const std::string& broker, const net::FrameConnection* conn);
  // Whether batches of this replay are written (it exists and runs).
  bool accepts(uint64_t replay_id) const;
  // A replayed batch the store took (not one it had committed before).
  void on_added(const batch::BatchHeader& h);
  void on_committed(const store::BatchId& id);
  void on_progress(const std::string& broker, const wire::ReplayProgress& p);

  asio::awaitable<http::Response> start(http::Request req);
  asio::awaitable<http::Response> cancel(http::Request req);
  nlohmann::json list_json() const;
  nlohmann::json detail_json(uint64_t id) const;
  size_t running() const;

 private:
  struct Live {
    std::string dc;
    std::weak_ptr<net::FrameConnection> conn;
  };
  struct Pending {
    TimeMs hour = 0;
    uint32_t events = 0;
  };
  bool selects_dc(const ReplayRecord& r, const std::string& dc) const;
  void send_to(const std::string& broker, const wire::ReplayRequest& req);
  void persist(const ReplayRecord& r);
  asio::awaitable<std::error_code> persist_now(ReplayRecord r);
  void complete_if_done(ReplayRecord& r);
  // What the brokers reported missing, plus, for a replay from hosts, each listed host
  // no broker replayed. A host one broker calls not connected is left out when another
  // broker replayed it (it moved).
  nlohmann::json missing_of(const ReplayRecord& r) const;
  Result<void> recount(std::map<uint64_t, ReplayRecord*>& running);

  storage::RocksStore& db_;
  int cf_;
  store::Sink& sink_;
  asio::thread_pool& worker_;
  asio::any_io_executor io_;
  const Clock& clock_;
  std::map<uint64_t, ReplayRecord> replays_;
  std::map<std::string, Live> brokers_;
  std::map<std::string, Pending> pending_;  // batch_id_key -> what to count at commit
  std::set<uint64_t> finishing_;            // _SUCCESS being written
  uint64_t last_id_ = 0;
};

}  // namespace ferry::consumer::replay
