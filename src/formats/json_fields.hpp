#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/input_error.hpp"

namespace gpufleet {

// Typed, validated access to one JSON object of an input file; every error names the file
// and the field path (e.g. "training[3].gpus").
class JsonFields {
 public:
  JsonFields(const nlohmann::json& object, std::string file, std::string path);

  double number(const std::string& key) const;
  double number_or(const std::string& key, double fallback) const;
  double positive(const std::string& key) const;
  double non_negative(const std::string& key) const;
  double non_negative_or(const std::string& key, double fallback) const;
  // A time or duration in seconds: >= 0 (or > 0), and at most kMaxSeconds (ten years).
  double seconds(const std::string& key) const;
  double positive_seconds(const std::string& key) const;
  int positive_int(const std::string& key) const;
  long positive_long_or(const std::string& key, long fallback) const;
  int int_or(const std::string& key, int fallback) const;
  std::string text(const std::string& key) const;
  std::string text_or(const std::string& key, const std::string& fallback) const;
  bool boolean_or(const std::string& key, bool fallback) const;
  bool has(const std::string& key) const { return object_.contains(key); }
  bool has_object(const std::string& key) const { return has(key) && object_[key].is_object(); }
  const nlohmann::json& array(const std::string& key) const;  // required, an array
  const nlohmann::json& array_or_empty(const std::string& key) const;
  JsonFields child(const std::string& key) const;  // a required nested object
  // Rejects keys this reader does not know: catches typos such as "gpu" for "gpus".
  void reject_unknown(std::initializer_list<const char*> known) const;
  void reject_unknown(const std::vector<std::string>& known) const;

  std::string field(const std::string& key) const {
    return path_.empty() ? key : path_ + "." + key;
  }
  [[noreturn]] void fail(const std::string& key, const std::string& problem,
                         const std::string& fix = {}) const;
  const std::string& file() const { return file_; }

 private:
  const nlohmann::json& required(const std::string& key) const;

  const nlohmann::json& object_;
  std::string file_;
  std::string path_;
};

// Parses a JSON file; syntax errors name the file, line and column.
nlohmann::json read_json_file(const std::string& file);

}  // namespace gpufleet
