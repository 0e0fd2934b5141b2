// The CSV number formats (src/outputs/csv_numbers.hpp) print what printf's %.0f, %.3f, %.6f and
// %.6e print, byte for byte: jobs.csv, replicas.csv and the time series kept their bytes when
// they moved to std::to_chars.
#include "outputs/csv_numbers.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <random>

namespace gpufleet::test {
namespace {

std::string printf_fixed(double x, int precision) {
  char buffer[512];
  std::snprintf(buffer, sizeof buffer, "%.*f", precision, x);
  return buffer;
}

TEST(CsvNumbers, FixedIsPrintfByteForByte) {
  std::vector<double> values = {0.0,
                                -0.0,
                                0.0005,
                                0.0015,
                                0.0025,
                                1e-7,
                                5e-7,
                                2.5e-6,
                                1234.5675,
                                1e15,
                                2592000.0,
                                31536000.0,
                                1e300,
                                -1.5,
                                std::numeric_limits<double>::denorm_min(),
                                std::numeric_limits<double>::infinity(),
                                std::numeric_limits<double>::quiet_NaN()};
  std::mt19937_64 rng(31);
  std::uniform_real_distribution<double> seconds(0, 4e7), exponent(-9, 12);
  for (int i = 0; i < 20000; ++i) {
    values.push_back(seconds(rng));
    values.push_back(std::pow(10.0, exponent(rng)));
    values.push_back(std::round(seconds(rng)) / 1000 + 0.0005);  // halfway at the last digit
  }
  for (double x : values)
    for (int precision : {0, 3, 6})
      ASSERT_EQ(csv_fixed(x, precision), printf_fixed(x, precision)) << x;
  EXPECT_EQ(csv_seconds(-1), "");
  EXPECT_EQ(csv_seconds(12.3456), "12.346");
  EXPECT_EQ(csv_hours(1.0 / 3), "0.333333");
}

// The time series' flops per second (%.6e) and their other fields (%.0f, %.6f) over values as
// they come out of a run: rates of 0 to 1e21, means of GPU counts, bin starts, shares.
TEST(CsvNumbers, ScientificIsPrintfByteForByte) {
  std::vector<double> values = {0.0,
                                -0.0,
                                1.0,
                                9.9999995e20,
                                9.9999994999999e20,
                                1.2345675e18,
                                5e-324,
                                1e308,
                                -2.5e-7,
                                std::numeric_limits<double>::max(),
                                std::numeric_limits<double>::infinity(),
                                -std::numeric_limits<double>::infinity(),
                                std::numeric_limits<double>::quiet_NaN()};
  std::mt19937_64 rng(31);
  std::uniform_real_distribution<double> exponent(-12, 22), unit(0, 1);
  for (int i = 0; i < 30000; ++i) {
    values.push_back(std::pow(10.0, exponent(rng)));
    values.push_back(std::round(unit(rng) * 1e7) * 1e14 + 5e7);  // halfway at the 7th digit
    values.push_back(std::floor(unit(rng) * 1e6) / 1e6 * 4e5);   // GPU-count means
  }
  char buffer[512];
  for (double x : values) {
    std::snprintf(buffer, sizeof buffer, "%.6e", x);
    ASSERT_EQ(csv_scientific(x, 6), buffer) << x;
    for (int precision : {0, 6})
      ASSERT_EQ(csv_fixed(x, precision), printf_fixed(x, precision)) << x;
  }
}

}  // namespace
}  // namespace gpufleet::test
