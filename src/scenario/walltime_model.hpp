#pragma once

#include <vector>

#include "scenario/rng.hpp"

namespace gpufleet {

// Users' run-time estimates (walltimes) on a partition whose limit is limit_s, after Tsafrir,
// Etsion and Feitelson, "Modeling User Runtime Estimates" (JSSPP 2005): the values users ask
// for and the share of jobs that ask for each, drawn once from `rng` for a log of about `jobs`
// jobs (a larger log uses more distinct values). 20 values, the limit the most popular, carry
// 89% of the jobs; the rest spread over a tail (src/scenario/walltime_model.cpp,
// docs/seed-scenario.md "Walltimes"). Throws std::invalid_argument for a limit under an hour.
class EstimateModel {
 public:
  struct Value {
    double seconds = 0;
    double share = 0;      // of jobs asking for it
    bool popular = false;  // one of the 20 of the head
  };

  EstimateModel(double limit_s, double jobs, Rng& rng);
  // The estimates of a log's jobs, in their order, as the paper assigns them: one value drawn
  // per job from the shares, then given out longest job first, each job one of the values left
  // that is not below its run time, at random (a user asks for at least what the job needs).
  // A job that finds none (the draw holds too few long values for this log's run times) asks
  // for draw(run).
  std::vector<double> assign(const std::vector<double>& runs_s, Rng& rng) const;
  // One job's estimate alone: a value not below its run time, drawn in proportion to the
  // shares (the limit when the run is longer). One uniform draw per call.
  double draw(double run_s, Rng& rng) const;
  const std::vector<Value>& values() const { return values_; }  // shortest first

 private:
  std::vector<Value> values_;
  std::vector<double> cumulative_;  // of shares, in values_' order
};

}  // namespace gpufleet
