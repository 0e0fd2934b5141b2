#pragma once

#include <string>

namespace gpufleet {

// A whole text in the gzip format (RFC 1952), as `gzip -n` writes it and pandas, zcat and
// Python's gzip read it: no file name and mtime 0 in the header, so that the same text gives
// the same bytes whenever and wherever it is written (with the same zlib).
std::string gzip_text(const std::string& text);

// The text a gzip file holds (several members are joined, as gzip does); `file` names it in the
// InputError thrown when the bytes are not gzip or are cut short.
std::string gunzip_text(const std::string& bytes, const std::string& file);

}  // namespace gpufleet
