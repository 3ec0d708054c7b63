#pragma once
// What --version prints: the release version from CMakeLists.txt and the git revision the
// tree was configured at ("-dirty" when it had uncommitted changes).

#include <string>
#include <string_view>

namespace ferry::app {

std::string_view version();
std::string_view git_revision();

// "ferry-agent 0.1.0 (git 0ab800e1c2d3)"
std::string version_line(std::string_view program);

}  // namespace ferry::app
