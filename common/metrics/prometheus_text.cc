#include "common/metrics/prometheus_text.h"

#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

namespace ferry::metrics {
namespace {

bool is_alpha_(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// `{a="1",b="2"}` with an optional extra label last (histograms' le); "" when empty.
std::string label_set(const std::vector<std::string>& names, const LabelValues& values,
                      std::string_view extra_name = {}, std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += fmt::format("{}=\"{}\"", names[i], escape_label_value(values[i]));
  }
  if (!extra_name.empty()) {
    if (!names.empty()) out += ',';
    out += fmt::format("{}=\"{}\"", extra_name, extra_value);
  }
  out += '}';
  return out;
}

template <class T>
void header(const Family<T>& f, std::string_view type, std::string& out) {
  out +=
      fmt::format("# HELP {} {}\n# TYPE {} {}\n", f.name(), escape_help(f.help()), f.name(), type);
}

}  // namespace

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string escape_help(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

bool valid_metric_name(std::string_view name) {
  if (name.empty() || !(is_alpha_(name[0]) || name[0] == ':')) return false;
  for (char c : name) {
    if (!(is_alpha_(c) || is_digit(c) || c == ':')) return false;
  }
  return true;
}

bool valid_label_name(std::string_view name) {
  if (name.empty() || !is_alpha_(name[0]) || name.substr(0, 2) == "__") return false;
  for (char c : name) {
    if (!(is_alpha_(c) || is_digit(c))) return false;
  }
  return true;
}

void render_family(const CounterFamily& f, std::string& out) {
  header(f, "counter", out);
  f.for_each([&](const LabelValues& values, const Counter& c) {
    out += fmt::format("{}{} {}\n", f.name(), label_set(f.label_names(), values), c.value());
  });
}

void render_family(const GaugeFamily& f, std::string& out) {
  header(f, "gauge", out);
  f.for_each([&](const LabelValues& values, const Gauge& g) {
    out += fmt::format("{}{} {}\n", f.name(), label_set(f.label_names(), values),
                       format_value(g.value()));
  });
}

void render_family(const HistogramFamily& f, std::string& out) {
  header(f, "histogram", out);
  f.for_each([&](const LabelValues& values, const Histogram& h) {
    Histogram::Snapshot s = h.snapshot();
    const auto& bounds = h.bounds();
    for (size_t i = 0; i <= bounds.size(); ++i) {
      std::string le = i < bounds.size() ? format_value(bounds[i]) : "+Inf";
      out += fmt::format("{}_bucket{} {}\n", f.name(), label_set(f.label_names(), values, "le", le),
                         s.cumulative[i]);
    }
    std::string labels = label_set(f.label_names(), values);
    out += fmt::format("{}_sum{} {}\n", f.name(), labels, format_value(s.sum));
    out += fmt::format("{}_count{} {}\n", f.name(), labels, s.count);
  });
}

std::optional<double> sample_value(std::string_view text, std::string_view series) {
  for (size_t at = 0; at < text.size();) {
    size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(at, end - at);
    if (line.size() > series.size() && line.starts_with(series) && line[series.size()] == ' ') {
      std::string value(line.substr(series.size() + 1));
      char* parsed_end = nullptr;
      double v = std::strtod(value.c_str(), &parsed_end);
      if (parsed_end == value.c_str()) return std::nullopt;
      return v;
    }
    at = end + 1;
  }
  return std::nullopt;
}

}  // namespace ferry::metrics
