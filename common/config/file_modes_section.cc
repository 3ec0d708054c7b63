#include "common/config/file_modes_section.h"

#include <cstdio>
#include <string>

namespace ferry::config {
namespace {

// An octal mode as a string ("0640"), which must leave the owner `owner_bits`.
mode_t read_mode(const ConfigReader& r, std::string_view key, mode_t def, mode_t owner_bits) {
  char shown[8];
  std::snprintf(shown, sizeof shown, "%04o", static_cast<unsigned>(def));
  const std::string text = r.str(key, shown);
  const bool octal = text.size() <= 4 && text.find_first_not_of("01234567") == std::string::npos;
  const mode_t mode = octal ? static_cast<mode_t>(std::stoul(text, nullptr, 8)) : 0;
  if (!octal || (mode & owner_bits) != owner_bits) {
    throw r.error(key,
                  "'" + text + "' is not an octal mode such as \"0640\" that the owner can use");
  }
  return mode;
}

}  // namespace

storage::FileModes read_file_modes(const ConfigReader& section, storage::FileModes defaults) {
  return {.file = read_mode(section, "file_mode", defaults.file, 0600),
          .dir = read_mode(section, "dir_mode", defaults.dir, 0700)};
}

}  // namespace ferry::config
