#include "common/config/config_reader.h"

#include "common/config/near_miss.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include <fmt/format.h>
#include <toml++/toml.h>

namespace ferry::config {

struct ConfigReader::Shared {
  std::string file;
  toml::table root;
  std::set<std::string, std::less<>> read;  // full keys of leaves some getter looked at
  Settings settings;                        // every key asked for, present or not
};

namespace {

std::string_view type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table:
      return "table";
    case toml::node_type::array:
      return "array";
    case toml::node_type::string:
      return "string";
    case toml::node_type::integer:
      return "integer";
    case toml::node_type::floating_point:
      return "float";
    case toml::node_type::boolean:
      return "boolean";
    case toml::node_type::date:
      return "date";
    case toml::node_type::time:
      return "time";
    case toml::node_type::date_time:
      return "date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::string join(std::string_view prefix, std::string_view key) {
  if (prefix.empty()) return std::string(key);
  if (key.empty()) return std::string(prefix);
  return fmt::format("{}.{}", prefix, key);
}

std::string errno_text(int err) { return err != 0 ? std::strerror(err) : "unknown error"; }

std::string format_ms(Duration d) { return fmt::format("{}ms", d.count()); }

// A TOML basic string.
std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\')
      out += fmt::format("\\{}", c);
    else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      out += fmt::format("\\u{:04X}", static_cast<unsigned char>(c));
    else
      out += c;
  }
  return out + "\"";
}

std::string quoted_list(const std::vector<std::string>& items) {
  std::vector<std::string> q;
  for (const auto& i : items) q.push_back(quoted(i));
  return fmt::format("[{}]", fmt::join(q, ", "));
}

// A size with a unit is a TOML string, a plain byte count an integer.
std::string bytes_text(uint64_t b) {
  std::string text = format_bytes(b);
  return text.find_first_not_of("0123456789") == std::string::npos ? text : quoted(text);
}

std::string number_text(double v) { return fmt::format("{}", v); }

int line_of_node(const toml::node& n) { return static_cast<int>(n.source().begin.line); }

bool is_nonempty_array_of_tables(const toml::node& n) {
  const auto* arr = n.as_array();
  return arr != nullptr && !arr->empty() && arr->is_array_of_tables();
}

// Collects the leaves under `table` whose full key was never read.
struct Unread {
  std::string key;
  int line;
};

void collect_unread(const toml::table& table, const std::string& prefix,
                    const std::set<std::string, std::less<>>& read, std::vector<Unread>& out) {
  for (const auto& [k, v] : table) {
    std::string key = join(prefix, k.str());
    if (const auto* sub = v.as_table()) {
      collect_unread(*sub, key, read, out);
    } else if (is_nonempty_array_of_tables(v)) {
      const auto& arr = *v.as_array();
      for (size_t i = 0; i < arr.size(); ++i) {
        collect_unread(*arr[i].as_table(), fmt::format("{}[{}]", key, i), read, out);
      }
    } else if (read.find(key) == read.end()) {
      out.push_back({std::move(key), line_of_node(v)});
    }
  }
}

toml::table parse_or_throw(std::string_view text, const std::string& file) {
  try {
    return toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    const auto& pos = e.source().begin;
    throw ConfigError(file, fmt::format("{}:{}", pos.line, pos.column),
                      std::string(e.description()));
  }
}

}  // namespace

ConfigReader::ConfigReader(const std::string& path) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw ConfigError(path, "", fmt::format("cannot open config file: {}", errno_text(errno)));
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad())
    throw ConfigError(path, "", fmt::format("cannot read config file: {}", errno_text(errno)));
  shared_ = std::make_shared<Shared>();
  shared_->file = path;
  shared_->root = parse_or_throw(text.str(), path);
  table_ = &shared_->root;
}

ConfigReader::ConfigReader(std::shared_ptr<Shared> shared, const toml::table* table,
                           std::string prefix)
    : shared_(std::move(shared)), table_(table), prefix_(std::move(prefix)) {}

ConfigReader::~ConfigReader() = default;

ConfigReader ConfigReader::from_string(std::string_view text, std::string file) {
  auto shared = std::make_shared<Shared>();
  shared->file = std::move(file);
  shared->root = parse_or_throw(text, shared->file);
  const toml::table* root = &shared->root;
  return ConfigReader(std::move(shared), root, "");
}

const std::string& ConfigReader::file() const { return shared_->file; }

std::string ConfigReader::full_key(std::string_view key) const { return join(prefix_, key); }

ConfigError ConfigReader::error(std::string_view key, std::string reason) const {
  return ConfigError(shared_->file, full_key(key), std::move(reason), line_of(key));
}

const Settings& ConfigReader::settings() const { return shared_->settings; }

int ConfigReader::line_of(std::string_view key) const {
  try {
    const toml::node* n = find(key, false);
    return n != nullptr ? line_of_node(*n) : 0;
  } catch (const ConfigError&) {
    return 0;
  }
}

void ConfigReader::note(std::string_view key, std::string_view type, std::string value,
                        std::string def, bool from_file) const {
  const std::string full = full_key(key);
  for (auto& s : shared_->settings) {
    if (s.key == full) {
      s.value = std::move(value);
      if (!s.required) s.def = std::move(def);
      s.from_file = from_file;
      s.type = type;
      return;
    }
  }
  shared_->settings.push_back(
      {full, std::move(value), std::move(def), std::string(type), from_file, false});
}

const toml::node* ConfigReader::find(std::string_view key, bool mark) const {
  const toml::table* table = table_;
  size_t start = 0;
  while (true) {
    size_t dot = key.find('.', start);
    std::string_view part = key.substr(start, dot == std::string_view::npos ? dot : dot - start);
    const toml::node* node = table->get(part);
    if (dot == std::string_view::npos) {
      if (node != nullptr && mark) shared_->read.insert(full_key(key));
      return node;
    }
    if (node == nullptr) return nullptr;
    table = node->as_table();
    if (table == nullptr) {
      throw error(key.substr(0, dot), fmt::format("expected a table, got {}", type_name(*node)));
    }
    start = dot + 1;
  }
}

std::string ConfigReader::str(std::string_view key, std::string_view def) const {
  const toml::node* n = find(key, true);
  if (n != nullptr && !n->is_string())
    throw error(key, fmt::format("expected a string, got {}", type_name(*n)));
  std::string v = n != nullptr ? n->as_string()->get() : std::string(def);
  note(key, "string", quoted(v), quoted(def), n != nullptr);
  return v;
}

int64_t ConfigReader::integer(std::string_view key, int64_t def, int64_t min, int64_t max) const {
  const toml::node* n = find(key, true);
  note(key, "integer", std::to_string(def), std::to_string(def), false);
  if (n == nullptr) return def;
  if (!n->is_integer()) {
    throw error(key, fmt::format("expected an integer, got {}", type_name(*n)));
  }
  int64_t v = n->as_integer()->get();
  if (v < min || v > max) {
    throw error(key, fmt::format("{} is out of range [{}, {}]", v, min, max));
  }
  note(key, "integer", std::to_string(v), std::to_string(def), true);
  return v;
}

bool ConfigReader::boolean(std::string_view key, bool def) const {
  const toml::node* n = find(key, true);
  if (n != nullptr && !n->is_boolean()) {
    throw error(key, fmt::format("expected true or false, got {}", type_name(*n)));
  }
  const bool v = n != nullptr ? n->as_boolean()->get() : def;
  note(key, "boolean", v ? "true" : "false", def ? "true" : "false", n != nullptr);
  return v;
}

double ConfigReader::number(std::string_view key, double def, double min, double max) const {
  const toml::node* n = find(key, true);
  note(key, "number", number_text(def), number_text(def), false);
  if (n == nullptr) return def;
  double v = 0;
  if (n->is_floating_point())
    v = n->as_floating_point()->get();
  else if (n->is_integer())
    v = static_cast<double>(n->as_integer()->get());
  else
    throw error(key, fmt::format("expected a number, got {}", type_name(*n)));
  if (!(v >= min && v <= max)) {
    throw error(key, fmt::format("{} is out of range [{}, {}]", v, min, max));
  }
  note(key, "number", number_text(v), number_text(def), true);
  return v;
}

std::vector<std::string> ConfigReader::strings(std::string_view key,
                                               const std::vector<std::string>& def) const {
  const toml::node* n = find(key, true);
  note(key, "strings", quoted_list(def), quoted_list(def), false);
  if (n == nullptr) return def;
  const toml::array* arr = n->as_array();
  if (arr == nullptr) {
    throw error(key, fmt::format("expected an array of strings, got {}", type_name(*n)));
  }
  std::vector<std::string> out;
  out.reserve(arr->size());
  for (size_t i = 0; i < arr->size(); ++i) {
    const toml::node& e = (*arr)[i];
    if (!e.is_string()) {
      throw error(key, fmt::format("element {}: expected a string, got {}", i, type_name(e)));
    }
    out.push_back(e.as_string()->get());
  }
  note(key, "strings", quoted_list(out), quoted_list(def), true);
  return out;
}

Duration ConfigReader::duration(std::string_view key, Duration def, Duration min,
                                Duration max) const {
  const toml::node* n = find(key, true);
  note(key, "duration", quoted(format_duration(def)), quoted(format_duration(def)), false);
  if (n == nullptr) return def;
  Duration d{};
  if (n->is_integer()) {
    int64_t v = n->as_integer()->get();
    if (v < 0) throw error(key, fmt::format("duration must not be negative, got {}", v));
    d = Duration(v);
  } else if (n->is_string()) {
    const std::string& text = n->as_string()->get();
    auto parsed = parse_duration(text);
    if (!parsed) {
      throw error(key, fmt::format("cannot parse duration \"{}\" (use e.g. 200ms, 5s, 2m, 24h, "
                                   "or an integer in ms)",
                                   text));
    }
    d = *parsed;
  } else {
    throw error(key,
                fmt::format("expected a duration string or integer ms, got {}", type_name(*n)));
  }
  if (d < min)
    throw error(key, fmt::format("{} is below the minimum {}", format_ms(d), format_ms(min)));
  if (d > max)
    throw error(key, fmt::format("{} is above the maximum {}", format_ms(d), format_ms(max)));
  note(key, "duration", quoted(format_duration(d)), quoted(format_duration(def)), true);
  return d;
}

uint64_t ConfigReader::bytes(std::string_view key, uint64_t def, uint64_t min, uint64_t max) const {
  const toml::node* n = find(key, true);
  note(key, "size", bytes_text(def), bytes_text(def), false);
  if (n == nullptr) return def;
  uint64_t b = 0;
  if (n->is_integer()) {
    int64_t v = n->as_integer()->get();
    if (v < 0) throw error(key, fmt::format("size must not be negative, got {}", v));
    b = static_cast<uint64_t>(v);
  } else if (n->is_string()) {
    const std::string& text = n->as_string()->get();
    auto parsed = parse_bytes(text);
    if (!parsed) {
      throw error(key, fmt::format("cannot parse size \"{}\" (use e.g. 512B, 64KiB, 1MiB, 10GB, "
                                   "or an integer in bytes)",
                                   text));
    }
    b = *parsed;
  } else {
    throw error(key, fmt::format("expected a size string or integer bytes, got {}", type_name(*n)));
  }
  if (b < min || b > max) {
    throw error(key, fmt::format("{} bytes is out of range [{}, {}]", b, min, max));
  }
  note(key, "size", bytes_text(b), bytes_text(def), true);
  return b;
}

bool ConfigReader::has(std::string_view key) const { return find(key, false) != nullptr; }

void ConfigReader::require(std::string_view key) const {
  const std::string full = full_key(key);
  if (std::none_of(shared_->settings.begin(), shared_->settings.end(),
                   [&](const Setting& s) { return s.key == full; })) {
    shared_->settings.push_back({full, "", "", "", false, true});
  }
  if (has(key)) return;
  // A typo of the key ("stat_dir" for "state_dir") is the likely cause: name it.
  const size_t dot = key.rfind('.');
  const std::string_view parent = dot == std::string_view::npos ? "" : key.substr(0, dot);
  const std::string_view leaf = dot == std::string_view::npos ? key : key.substr(dot + 1);
  std::vector<std::string> present;
  try {
    present = keys(parent);
  } catch (const ConfigError&) {}
  if (auto typo = near_miss(leaf, present)) {
    const std::string typo_key = parent.empty() ? *typo : fmt::format("{}.{}", parent, *typo);
    throw ConfigError(shared_->file, full,
                      fmt::format("required key is missing (did you mean {} instead of {}?)", key,
                                  full_key(typo_key)),
                      line_of(typo_key));
  }
  throw error(key, "required key is missing");
}

ConfigReader ConfigReader::section(std::string_view key) const {
  static const toml::table kEmpty;
  const toml::node* n = find(key, false);
  if (n == nullptr) return ConfigReader(shared_, &kEmpty, full_key(key));
  const toml::table* t = n->as_table();
  if (t == nullptr) throw error(key, fmt::format("expected a table, got {}", type_name(*n)));
  return ConfigReader(shared_, t, full_key(key));
}

std::vector<ConfigReader> ConfigReader::tables(std::string_view key) const {
  const toml::node* n = find(key, true);
  std::vector<ConfigReader> out;
  if (n == nullptr) return out;
  const toml::array* arr = n->as_array();
  if (arr == nullptr || (!arr->empty() && !arr->is_array_of_tables())) {
    throw error(key, fmt::format("expected an array of tables ([[{}]]), got {}", full_key(key),
                                 arr ? "array" : type_name(*n)));
  }
  for (size_t i = 0; i < arr->size(); ++i) {
    out.push_back(
        ConfigReader(shared_, (*arr)[i].as_table(), fmt::format("{}[{}]", full_key(key), i)));
  }
  return out;
}

std::vector<std::string> ConfigReader::keys(std::string_view key) const {
  const toml::table* t = table_;
  if (!key.empty()) {
    const toml::node* n = find(key, false);
    if (n == nullptr) return {};
    t = n->as_table();
    if (t == nullptr) throw error(key, fmt::format("expected a table, got {}", type_name(*n)));
  }
  std::vector<std::string> out;
  for (const auto& [k, v] : *t) out.emplace_back(k.str());
  return out;
}

void ConfigReader::finish() const {
  std::vector<Unread> unread;
  collect_unread(*table_, prefix_, shared_->read, unread);
  if (unread.empty()) return;
  const Unread& first = unread.front();
  // The nearest key this program knows, compared without array indices so that
  // "source[1].pahts" finds "source.paths".
  std::vector<std::string> known;
  for (const auto& s : shared_->settings) known.push_back(generic_key(s.key));
  auto meant = [&](const Unread& u) { return near_miss(generic_key(u.key), known); };
  std::string reason = "unknown key (misspelled, or not used by this program)";
  if (auto m = meant(first)) reason = fmt::format("unknown key; did you mean {}?", *m);
  if (unread.size() > 1) {
    std::vector<std::string> others;
    for (auto it = unread.begin() + 1; it != unread.end(); ++it) {
      auto m = meant(*it);
      others.push_back(m ? fmt::format("{} (line {}; did you mean {}?)", it->key, it->line, *m)
                         : fmt::format("{} (line {})", it->key, it->line));
    }
    reason += fmt::format("; also unknown: {}", fmt::join(others, ", "));
  }
  throw ConfigError(shared_->file, first.key, std::move(reason), first.line);
}

}  // namespace ferry::config
