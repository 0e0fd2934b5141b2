#include "import/line_reader.hpp"

#include <filesystem>

#include "model/input_error.hpp"

namespace gpufleet {

LineReader::LineReader(std::string file) : file_(std::move(file)), buffer_(1 << 16) {
  std::error_code error;
  const auto size = std::filesystem::file_size(file_, error);
  handle_ = error ? nullptr : gzopen(file_.c_str(), "rb");
  if (handle_ == nullptr)
    throw InputError(file_, "", "cannot open the file", "check the path and its permissions");
  stored_bytes_ = static_cast<long long>(size);
  gzbuffer(handle_, 1 << 17);
}

LineReader::~LineReader() {
  if (handle_ != nullptr) gzclose(handle_);
}

bool LineReader::next(std::string& line) {
  line.clear();
  // gzgets stops at a newline or a full buffer; a line longer than the buffer comes in parts.
  while (gzgets(handle_, buffer_.data(), static_cast<int>(buffer_.size())) != nullptr) {
    line += buffer_.data();
    if (!line.empty() && line.back() == '\n') break;
  }
  int code = Z_OK;
  const char* message = gzerror(handle_, &code);
  if (code != Z_OK && code != Z_BUF_ERROR)
    throw InputError(file_, "line " + std::to_string(line_ + 1),
                     std::string("cannot decompress: ") + message,
                     "the file is damaged or truncated; fetch it again");
  if (line.empty()) return false;
  ++line_;
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  return true;
}

std::vector<std::string_view> split_fields(std::string_view line, char separator) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  for (size_t end; (end = line.find(separator, start)) != std::string_view::npos; start = end + 1)
    fields.push_back(line.substr(start, end - start));
  fields.push_back(line.substr(start));
  return fields;
}

std::vector<std::string_view> split_whitespace(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

}  // namespace gpufleet
