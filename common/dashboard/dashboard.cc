#include "common/dashboard/dashboard.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <string_view>

namespace ferry::dashboard {
namespace {

// page.html, embedded at build time (see common/CMakeLists.txt).
#include "common/dashboard/page_html.inc"

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
  return s;
}

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// The text between `open` and `close` in `page` (the first such block).
std::string_view between(std::string_view page, std::string_view open, std::string_view close) {
  size_t start = page.find(open);
  if (start == std::string_view::npos) return {};
  start += open.size();
  return page.substr(start, page.find(close, start) - start);
}

// "'sha256-<base64>'": allows exactly this inline block under the policy.
std::string csp_hash(std::string_view block) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(block.data()), block.size(), digest);
  unsigned char b64[4 * ((SHA256_DIGEST_LENGTH + 2) / 3) + 1];
  EVP_EncodeBlock(b64, digest, SHA256_DIGEST_LENGTH);
  return "'sha256-" + std::string(reinterpret_cast<char*>(b64)) + "'";
}

}  // namespace

const std::string& page_html() {
  static const std::string page(kPageHtml);
  return page;
}

std::string content_security_policy(std::string_view page) {
  // Only the page's own script and style run; data comes from this origin; nothing may
  // frame the page (clickjacking) or send a form anywhere.
  return "default-src 'none'; script-src " + csp_hash(between(page, "<script>", "</script>")) +
         "; style-src " + csp_hash(between(page, "<style>", "</style>")) +
         "; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; "
         "frame-ancestors 'none'";
}

void add_dashboard_routes(http::Router& router, const std::string& title) {
  http::Response page =
      http::Response::html(replace_all(page_html(), "__TITLE__", html_escape(title)));
  page.headers = {{"Content-Security-Policy", content_security_policy(page.body)},
                  {"X-Content-Type-Options", "nosniff"},
                  {"X-Frame-Options", "DENY"},
                  {"Referrer-Policy", "no-referrer"},
                  {"Cache-Control", "no-store"}};
  // A fixed response; copying it per request keeps the handler stateless.
  router.get("/", [page = std::move(page)](const http::Request&) { return page; });
}

}  // namespace ferry::dashboard
