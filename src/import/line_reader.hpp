#pragma once

#include <zlib.h>

#include <string>
#include <string_view>
#include <vector>

namespace gpufleet {

// Reads a text file line by line through zlib, so a gzip-compressed trace (.gz) and a plain
// one read the same way, and memory stays at one line whatever the file's size.
class LineReader {
 public:
  explicit LineReader(std::string file);  // throws InputError if it cannot be opened
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next line without its end-of-line characters; false at the end of the file.
  bool next(std::string& line);
  long line_number() const { return line_; }
  const std::string& file() const { return file_; }
  // Bytes of the file as stored (compressed size for .gz).
  long long stored_bytes() const { return stored_bytes_; }

 private:
  std::string file_;
  gzFile handle_ = nullptr;
  long line_ = 0;
  long long stored_bytes_ = 0;
  std::vector<char> buffer_;
};

// Fields of one delimited row (views into `line`).
std::vector<std::string_view> split_fields(std::string_view line, char separator);
// Fields separated by runs of spaces or tabs (the Standard Workload Format).
std::vector<std::string_view> split_whitespace(std::string_view line);

}  // namespace gpufleet
