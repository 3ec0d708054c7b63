#pragma once
// What a broker or consumer says about itself in its ephemeral node:
//   /brokers/<dc>/<id>   and   /consumers/<id>
// as JSON: {"id", "dc", "address" (where peers connect), "http", "load", "epoch"}.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ferry::zk {

struct Member {
  std::string id;
  std::string dc;       // brokers only
  std::string address;  // host:port that peers dial
  std::string http;     // host:port of its dashboard, may be empty
  uint64_t load = 0;    // e.g. connected peers; informational
  // Consumers: a number new at every process start. A slot's holder is fenced unless
  // this exact instance is still registered (common/zk/slot_map.h).
  uint64_t epoch = 0;

  bool operator==(const Member&) const = default;
};

std::string encode_member(const Member& m);
// nullopt for a node that is not a member record (or names no address).
std::optional<Member> decode_member(std::string_view json);

}  // namespace ferry::zk
