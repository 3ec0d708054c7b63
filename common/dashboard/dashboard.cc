#include "common/dashboard/dashboard.h"

namespace ferry::dashboard {
namespace {

// page.html, embedded at build time (see common/CMakeLists.txt).
#include "common/dashboard/page_html.inc"

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) s.replace(pos, from.size(), to);
  return s;
}

}  // namespace

const std::string& page_html() {
  static const std::string page(kPageHtml);
  return page;
}

void add_dashboard_routes(http::Router& router, const std::string& title) {
  router.asset("/", "text/html; charset=utf-8", replace_all(page_html(), "__TITLE__", title));
}

}  // namespace ferry::dashboard
