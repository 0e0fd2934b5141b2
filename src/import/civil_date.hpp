#pragma once

namespace gpufleet {

// Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar (Howard Hinnant's
// days_from_civil), for any long year: the importers check their fields' ranges themselves, and
// std::chrono's year holds only +-32767. Traces' times carry no zone or one the caller applies:
// only differences between them matter.
inline long days_from_civil(long y, long m, long d) {
  y -= m <= 2;
  const long era = (y >= 0 ? y : y - 399) / 400;
  const long yoe = y - era * 400;
  const long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

}  // namespace gpufleet
