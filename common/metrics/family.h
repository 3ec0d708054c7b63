#pragma once
// Family<T>: one metric name with a fixed list of label names, and one series (a
// Counter, Gauge or Histogram) per combination of label values. Series are created on
// first use by with() and can be removed (per-host gauges come and go).
//
// Thread-safe: with()/remove() take the family's mutex; the returned reference stays
// valid until that series is removed or the family cleared, so hold references only to
// series nobody removes, and go through with()/set() for the others.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/base/assert.h"
#include "common/metrics/counter.h"
#include "common/metrics/gauge.h"
#include "common/metrics/histogram.h"

namespace ferry::metrics {

using LabelValues = std::vector<std::string>;

template <class T>
class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::vector<double> bounds = {})
      : name_(std::move(name)),
        help_(std::move(help)),
        label_names_(std::move(label_names)),
        bounds_(std::move(bounds)) {}

  Family(const Family&) = delete;
  Family& operator=(const Family&) = delete;

  // The series for `values` (one per label name, same order), created if new.
  T& with(const LabelValues& values) {
    FERRY_RELEASE_ASSERT(values.size() == label_names_.size());
    std::lock_guard lock(mu_);
    auto& slot = series_[values];
    if (!slot) {
      if constexpr (std::is_same_v<T, Histogram>)
        slot = std::make_unique<T>(bounds_);
      else
        slot = std::make_unique<T>();
    }
    return *slot;
  }

  // Returns whether the series existed.
  bool remove(const LabelValues& values) {
    std::lock_guard lock(mu_);
    return series_.erase(values) > 0;
  }

  void clear() {
    std::lock_guard lock(mu_);
    series_.clear();
  }

  size_t size() const {
    std::lock_guard lock(mu_);
    return series_.size();
  }

  // Calls fn(const LabelValues&, const T&) for each series in label-value order, under
  // the family's mutex: fn must not call back into this family.
  template <class Fn>
  void for_each(Fn&& fn) const {
    std::lock_guard lock(mu_);
    for (const auto& [values, series] : series_) fn(values, *series);
  }

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
  const std::vector<double> bounds_;  // histograms only
  mutable std::mutex mu_;
  std::map<LabelValues, std::unique_ptr<T>> series_;
};

// Gauge families also take values directly, which suits series that come and go.
class GaugeFamily : public Family<Gauge> {
 public:
  using Family<Gauge>::Family;
  void set(const LabelValues& values, double v) { with(values).set(v); }
};

using CounterFamily = Family<Counter>;
using HistogramFamily = Family<Histogram>;

}  // namespace ferry::metrics
