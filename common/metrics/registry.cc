#include "common/metrics/registry.h"

#include <utility>

#include "common/base/assert.h"
#include "common/metrics/prometheus_text.h"

namespace ferry::metrics {

template <class F>
F& Registry::get_or_add(const std::string& name, const std::string& help,
                        std::vector<std::string> label_names, std::vector<double> bounds) {
  FERRY_RELEASE_ASSERT(valid_metric_name(name));
  for (const auto& l : label_names) {
    FERRY_RELEASE_ASSERT(valid_label_name(l));
    if constexpr (std::is_same_v<F, HistogramFamily>) FERRY_RELEASE_ASSERT(l != "le");
  }
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it != families_.end()) {
    auto* existing = std::get_if<std::unique_ptr<F>>(&it->second);
    FERRY_RELEASE_ASSERT(existing != nullptr);
    FERRY_RELEASE_ASSERT((*existing)->label_names() == label_names);
    FERRY_RELEASE_ASSERT((*existing)->bounds() == bounds);
    return **existing;
  }
  auto family = std::make_unique<F>(name, help, std::move(label_names), std::move(bounds));
  F& ref = *family;
  families_.emplace(name, std::move(family));
  return ref;
}

CounterFamily& Registry::counter_family(const std::string& name, const std::string& help,
                                        std::vector<std::string> label_names) {
  return get_or_add<CounterFamily>(name, help, std::move(label_names), {});
}

GaugeFamily& Registry::gauge_family(const std::string& name, const std::string& help,
                                    std::vector<std::string> label_names) {
  return get_or_add<GaugeFamily>(name, help, std::move(label_names), {});
}

HistogramFamily& Registry::histogram_family(const std::string& name, const std::string& help,
                                            std::vector<std::string> label_names,
                                            std::vector<double> bounds) {
  return get_or_add<HistogramFamily>(name, help, std::move(label_names), std::move(bounds));
}

Counter& Registry::counter(const std::string& name, const std::string& help) {
  return counter_family(name, help, {}).with({});
}

Gauge& Registry::gauge(const std::string& name, const std::string& help) {
  return gauge_family(name, help, {}).with({});
}

Histogram& Registry::histogram(const std::string& name, const std::string& help,
                               std::vector<double> bounds) {
  return histogram_family(name, help, {}, std::move(bounds)).with({});
}

void Registry::on_collect(std::function<void()> fn) {
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(fn));
}

std::string Registry::render() const {
  std::vector<std::function<void()>> collectors;
  {
    std::lock_guard lock(mu_);
    collectors = collectors_;
  }
  for (const auto& fn : collectors) fn();

  std::string out;
  std::lock_guard lock(mu_);
  for (const auto& [name, entry] : families_) {
    std::visit([&](const auto& family) { render_family(*family, out); }, entry);
  }
  return out;
}

}  // namespace ferry::metrics
