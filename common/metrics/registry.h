#pragma once
// Registry: every metric of one process, rendered for GET /metrics in the Prometheus
// text format. Families are registered once (usually at startup) and live as long as
// the registry; asking again for the same name, type and labels returns the same family.
// Registering one name with another type, labels or buckets is a bug and aborts.
//
// Thread-safe: registration and render() take the registry mutex; updates to series are
// lock-free atomics (see Family for the lifetime of series references).

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include "common/metrics/family.h"

namespace ferry::metrics {

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  CounterFamily& counter_family(const std::string& name, const std::string& help,
                                std::vector<std::string> label_names);
  GaugeFamily& gauge_family(const std::string& name, const std::string& help,
                            std::vector<std::string> label_names);
  HistogramFamily& histogram_family(const std::string& name, const std::string& help,
                                    std::vector<std::string> label_names,
                                    std::vector<double> bounds);

  // Unlabelled shorthands.
  Counter& counter(const std::string& name, const std::string& help);
  Gauge& gauge(const std::string& name, const std::string& help);
  Histogram& histogram(const std::string& name, const std::string& help,
                       std::vector<double> bounds);

  // `fn` runs at the start of every render(), outside the registry mutex: the place to
  // refresh gauges computed from state (per-host unacked counts) right before a scrape.
  // It runs on the thread that calls render().
  void on_collect(std::function<void()> fn);

  // All families, sorted by name; within one, series sorted by label values.
  std::string render() const;

 private:
  using Entry = std::variant<std::unique_ptr<CounterFamily>, std::unique_ptr<GaugeFamily>,
                             std::unique_ptr<HistogramFamily>>;

  template <class F>
  F& get_or_add(const std::string& name, const std::string& help,
                std::vector<std::string> label_names, std::vector<double> bounds);

  mutable std::mutex mu_;
  std::map<std::string, Entry> families_;
  std::vector<std::function<void()>> collectors_;
};

}  // namespace ferry::metrics
