#pragma once
// How `ferryctl bench pipeline` reports a run: one line of text, one JSON object (the
// lines of `--json FILE`), and the medians of several runs.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/ferryctl/pipeline_bench.h"

namespace ferry::ferryctl {

void print_run(const std::string& label, const PipelineRun& run);
nlohmann::json run_json(const PipelineRun& run, bool sealed);
// Prints the medians of the runs that did not fail; returns median lines/s (0: none).
double print_medians(const std::vector<PipelineRun>& runs);

}  // namespace ferry::ferryctl
