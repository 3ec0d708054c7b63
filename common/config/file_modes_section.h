#pragma once
// `file_mode` and `dir_mode` of a section (the consumer's [output], the broker's
// [store]): octal strings such as "0640" and "0750", which must leave the owner
// read-write (files) and read-write-search (directories).

#include "common/config/config_reader.h"
#include "common/storage/file_modes.h"

namespace ferry::config {

storage::FileModes read_file_modes(const ConfigReader& section, storage::FileModes defaults = {});

}  // namespace ferry::config
