#include "common/zk/member.h"

#include <nlohmann/json.hpp>

namespace ferry::zk {

std::string encode_member(const Member& m) {
  return nlohmann::json{{"id", m.id},     {"dc", m.dc},     {"address", m.address},
                        {"http", m.http}, {"load", m.load}, {"epoch", m.epoch}}
      .dump();
}

std::optional<Member> decode_member(std::string_view json) {
  auto j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  Member m;
  auto text = [&](const char* key, std::string& out) {
    if (auto it = j.find(key); it != j.end() && it->is_string()) out = it->get<std::string>();
  };
  text("id", m.id);
  text("dc", m.dc);
  text("address", m.address);
  text("http", m.http);
  if (auto it = j.find("load"); it != j.end() && it->is_number_unsigned())
    m.load = it->get<uint64_t>();
  if (auto it = j.find("epoch"); it != j.end() && it->is_number_unsigned())
    m.epoch = it->get<uint64_t>();
  if (m.id.empty() || m.address.empty()) return std::nullopt;
  return m;
}

}  // namespace ferry::zk
