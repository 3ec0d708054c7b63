#pragma once
// Counts a listener's open connections, in all and per source address, and admits a new
// one only under both caps. An admitted connection holds a Pass; the count drops when
// the Pass is destroyed, whenever the session ends. The counts outlive the gate's
// owner, so a Pass may be destroyed after the listener is gone.
//
// Threading: one executor (the listener's); not thread-safe.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/net/asio.h"

namespace ferry::net {

class ConnectionGate {
  struct Counts {
    size_t total = 0;
    std::unordered_map<std::string, size_t> per_address;
  };

 public:
  class Pass {
   public:
    Pass(std::shared_ptr<Counts> counts, std::string address);
    Pass(Pass&&) noexcept = default;
    Pass& operator=(Pass&&) noexcept = default;
    ~Pass();

   private:
    std::shared_ptr<Counts> counts_;
    std::string address_;
  };

  ConnectionGate(size_t max_total, size_t max_per_address);

  // A Pass, or nullopt with `why` set ("listener full", "address full").
  std::optional<Pass> admit(const asio::ip::address& address, std::string& why);

  size_t total() const { return counts_->total; }
  size_t max_total() const { return max_total_; }
  void set_max_total(size_t max_total) { max_total_ = max_total; }

 private:
  std::shared_ptr<Counts> counts_ = std::make_shared<Counts>();
  size_t max_total_;
  size_t max_per_address_;
};

}  // namespace ferry::net
