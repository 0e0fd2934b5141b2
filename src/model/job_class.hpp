#pragma once

namespace gpufleet {

enum class JobClass { kTraining = 0, kInference = 1, kLease = 2 };
constexpr int kJobClassCount = 3;

inline const char* to_string(JobClass c) {
  switch (c) {
    case JobClass::kTraining:
      return "training";
    case JobClass::kInference:
      return "inference";
    case JobClass::kLease:
      return "lease";
  }
  return "?";
}

}  // namespace gpufleet
