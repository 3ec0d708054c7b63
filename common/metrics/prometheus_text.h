#pragma once
// Prometheus text exposition format 0.0.4: the pieces Registry::render() is built from.
// Pure functions.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/metrics/family.h"

namespace ferry::metrics {

inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// Label values escape backslash, double quote and newline.
std::string escape_label_value(std::string_view v);
// HELP text escapes backslash and newline.
std::string escape_help(std::string_view v);
// Shortest round-trip form; "+Inf", "-Inf", "NaN".
std::string format_value(double v);

// True for [a-zA-Z_:][a-zA-Z0-9_:]*.
bool valid_metric_name(std::string_view name);
// True for [a-zA-Z_][a-zA-Z0-9_]* not starting with "__".
bool valid_label_name(std::string_view name);

// Appends the HELP and TYPE lines and every series of the family to `out`.
void render_family(const CounterFamily& f, std::string& out);
void render_family(const GaugeFamily& f, std::string& out);
void render_family(const HistogramFamily& f, std::string& out);

// Reading a scrape (tools, tests): the value of one series, named exactly as rendered
// (`name` or `name{label="v",...}`), or nullopt when it is absent or not a number.
std::optional<double> sample_value(std::string_view text, std::string_view series);

}  // namespace ferry::metrics
