#pragma once
// The operator's wallboard, served at `/` by brokers (their DC) and the consumer (every
// DC): per-DC grids of host tiles (unacked events, age of the oldest unacked event,
// backlog, connected, last seen), coloured by thresholds, with filters, search, sort,
// clocks in UTC and other zones, a totals bar per DC (events/s in and out, commits/s,
// unacked events, the brokers' stored backlog, from /api/summary's dcs; host counts by
// the page's thresholds), the hour completeness table, and this node's quarantine count
// and refused TCP congestion controls (/api/summary's congestion_refused). Plain HTML/CSS/JS
// embedded in the binary; it polls the JSON APIs every 2 s and updates tiles in place. Query
// parameters: warn_min, lag_min (age thresholds, minutes), warn_unacked, tz (comma-separated IANA
// zones), sort (worst|name), synthetic=N (a client-side feed of N fake hosts, for load
// measurements). Everything from the URL or the APIs (zones, host, DC and category names) is
// inserted as text, and the page is sent with a Content-Security-Policy that lets only its own
// inline script and style run.

#include <string>
#include <string_view>

#include "common/http/router.h"

namespace ferry::dashboard {

// Registers GET / (the page). `title` names this node ("broker-dc1-1", "consumer-1").
void add_dashboard_routes(http::Router& router, const std::string& title);

const std::string& page_html();

// The policy sent with `page`: default-src 'none', the page's one inline script and
// style allowed by hash, fetches to its own origin, no framing.
std::string content_security_policy(std::string_view page);

}  // namespace ferry::dashboard
