#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>

namespace gpufleet {

// A seeded random stream whose draws are the same on every platform and standard library:
// std::mt19937_64's output is fixed by the standard, but std::*_distribution are not, so
// the distributions are written here. Each part of a generator takes its own stream, so a
// change to one part (say, the lease mix) leaves the draws of the others unchanged.
class Rng {
 public:
  Rng(std::uint64_t seed, std::uint64_t stream) : engine_(mix(seed) ^ mix(stream + 0x9e37)) {}

  // Uniform in (0, 1): never 0, so log() of it is finite.
  double uniform() { return (static_cast<double>(engine_() >> 11) + 0.5) * 0x1.0p-53; }

  double normal() {
    // Box-Muller; the second value of the pair is dropped to keep the stream stateless.
    const double u = uniform();
    const double v = uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * std::numbers::pi * v);
  }

  double exponential(double mean) { return -mean * std::log(uniform()); }

  // Gamma with this mean and coefficient of variation (cv = 1: exponential), by
  // Marsaglia and Tsang's method.
  double gamma_mean_cv(double mean, double cv) {
    const double shape = 1.0 / (cv * cv);
    return standard_gamma(shape) * mean / shape;
  }

  // A uniform integer in [lo, hi].
  long uniform_int(long lo, long hi) {
    return lo + static_cast<long>(uniform() * static_cast<double>(hi - lo + 1));
  }

 private:
  static std::uint64_t mix(std::uint64_t x) {  // splitmix64's finalizer
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  }

  double standard_gamma(double shape) {
    if (shape < 1) return standard_gamma(shape + 1) * std::pow(uniform(), 1.0 / shape);
    const double d = shape - 1.0 / 3.0;
    const double c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
      double x = 0;
      double v = 0;
      do {
        x = normal();
        v = 1.0 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const double u = uniform();
      if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v;
    }
  }

  std::mt19937_64 engine_;
};

}  // namespace gpufleet
