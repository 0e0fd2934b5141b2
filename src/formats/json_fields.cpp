#include "formats/json_fields.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "model/duration.hpp"
#include "model/names.hpp"

namespace gpufleet {

JsonFields::JsonFields(const nlohmann::json& object, std::string file, std::string path)
    : object_(object), file_(std::move(file)), path_(std::move(path)) {
  if (!object_.is_object())
    throw InputError(file_, path_.empty() ? "top level" : path_, "expected a JSON object");
}

void JsonFields::fail(const std::string& key, const std::string& problem,
                      const std::string& fix) const {
  throw InputError(file_, field(key), problem, fix);
}

const nlohmann::json& JsonFields::required(const std::string& key) const {
  const auto it = object_.find(key);
  if (it == object_.end()) fail(key, "required field is missing", "add \"" + key + "\"");
  return *it;
}

double JsonFields::number(const std::string& key) const {
  const auto& value = required(key);
  if (!value.is_number()) fail(key, "expected a number, got " + value.dump());
  const double x = value.get<double>();
  if (!std::isfinite(x)) fail(key, "expected a finite number");
  return x;
}

double JsonFields::number_or(const std::string& key, double fallback) const {
  return has(key) ? number(key) : fallback;
}

double JsonFields::positive(const std::string& key) const {
  const double x = number(key);
  if (!(x > 0)) fail(key, "must be > 0, got " + std::to_string(x));
  return x;
}

double JsonFields::non_negative(const std::string& key) const {
  const double x = number(key);
  if (x < 0) fail(key, "must not be negative, got " + std::to_string(x));
  return x;
}

double JsonFields::non_negative_or(const std::string& key, double fallback) const {
  return has(key) ? non_negative(key) : fallback;
}

double JsonFields::seconds(const std::string& key) const {
  const double x = non_negative(key);
  if (x > kMaxSeconds)
    fail(key,
         "is " + std::to_string(x) + " s, beyond ten years (" +
             std::to_string(static_cast<long>(kMaxSeconds)) + " s)",
         "gpufleet models at most 3660 days");
  return x;
}

double JsonFields::positive_seconds(const std::string& key) const {
  const double x = seconds(key);
  if (!(x > 0)) fail(key, "must be > 0, got " + std::to_string(x));
  return x;
}

int JsonFields::positive_int(const std::string& key) const {
  const auto& value = required(key);
  if (!value.is_number_integer() || value.get<long long>() <= 0 ||
      value.get<long long>() > 1'000'000'000)
    fail(key, "expected a positive integer, got " + value.dump());
  return value.get<int>();
}

long JsonFields::positive_long_or(const std::string& key, long fallback) const {
  if (!has(key)) return fallback;
  const auto& value = required(key);
  if (!value.is_number_integer() || value.get<long long>() <= 0)
    fail(key, "expected a positive integer, got " + value.dump());
  return value.get<long>();
}

int JsonFields::int_or(const std::string& key, int fallback) const {
  if (!has(key)) return fallback;
  const auto& value = required(key);
  // Checked before narrowing: 4294967297 would otherwise become 1.
  const bool in_range = value.is_number_unsigned()
                            ? value.get<unsigned long long>() <= 1'000'000'000
                            : value.is_number_integer() &&
                                  value.get<long long>() >= -1'000'000'000 &&
                                  value.get<long long>() <= 1'000'000'000;
  if (!in_range)
    fail(key, "expected an integer from -1000000000 to 1000000000, got " + value.dump());
  return value.get<int>();
}

std::string JsonFields::text(const std::string& key) const {
  const auto& value = required(key);
  if (!value.is_string() || value.get<std::string>().empty())
    fail(key, "expected a non-empty string, got " + value.dump());
  return value.get<std::string>();
}

std::string JsonFields::text_or(const std::string& key, const std::string& fallback) const {
  return has(key) ? text(key) : fallback;
}

bool JsonFields::boolean_or(const std::string& key, bool fallback) const {
  if (!has(key)) return fallback;
  const auto& value = required(key);
  if (!value.is_boolean()) fail(key, "expected true or false, got " + value.dump());
  return value.get<bool>();
}

const nlohmann::json& JsonFields::array(const std::string& key) const {
  const auto& value = required(key);
  if (!value.is_array()) fail(key, "expected an array");
  return value;
}

const nlohmann::json& JsonFields::array_or_empty(const std::string& key) const {
  static const nlohmann::json empty = nlohmann::json::array();
  return has(key) ? array(key) : empty;
}

JsonFields JsonFields::child(const std::string& key) const {
  return JsonFields(required(key), file_, field(key));
}

void JsonFields::reject_unknown(std::initializer_list<const char*> known) const {
  reject_unknown(std::vector<std::string>(known.begin(), known.end()));
}

void JsonFields::reject_unknown(const std::vector<std::string>& known) const {
  for (const auto& [key, value] : object_.items()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    fail(key, "unknown field" + did_you_mean(key, known), "use one of: " + list);
  }
}

nlohmann::json read_json_file(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw InputError(file, "", "cannot open the file", "check the path");
  std::stringstream buffer;
  buffer << in.rdbuf();
  try {
    return nlohmann::json::parse(buffer.str());
  } catch (const nlohmann::json::parse_error& e) {
    // nlohmann's message already carries "line L, column C".
    std::string what = e.what();
    const auto pos = what.find("parse error");
    throw InputError(file, "",
                     "invalid JSON: " + (pos == std::string::npos ? what : what.substr(pos)),
                     "fix the JSON syntax at that line");
  } catch (const nlohmann::json::out_of_range& e) {
    // A number beyond a double's range (1e400): no figure of a fleet is that large.
    throw InputError(file, "", std::string("a number is out of range: ") + e.what(),
                     "write numbers below 1e308");
  }
}

}  // namespace gpufleet
