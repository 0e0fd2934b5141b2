#include "formats/gzip_text.hpp"

#include <zlib.h>

#include <algorithm>
#include <stdexcept>

#include "model/input_error.hpp"

namespace gpufleet {

namespace {

// windowBits 15 + 16: a gzip wrapper rather than zlib's own.
constexpr int kGzipWindowBits = 31;
// zlib's default level: about a tenth of the size of our CSV files, at ~50 MB/s.
constexpr int kLevel = Z_DEFAULT_COMPRESSION;
// zlib hands a stream at most 4 GiB at a time (uInt counts).
constexpr size_t kChunk = size_t{1} << 30;

}  // namespace

std::string gzip_text(const std::string& text) {
  z_stream z{};
  if (deflateInit2(&z, kLevel, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("zlib: deflateInit2 failed");
  // A header of our own: zlib's default one is already without name and time, but names the
  // operating system zlib was built for; 255 ("unknown") keeps the bytes the same everywhere.
  gz_header header{};
  header.os = 255;
  deflateSetHeader(&z, &header);
  // deflateBound: the most a single deflate of the whole text can take, header included.
  std::string out(deflateBound(&z, static_cast<uLong>(text.size())), '\0');
  size_t in_at = 0;
  int status = Z_OK;
  while (status != Z_STREAM_END) {
    if (z.total_out == out.size()) out.resize(out.size() * 2);  // not expected: the bound holds
    const size_t in_left = text.size() - in_at;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data() + in_at));
    z.avail_in = static_cast<uInt>(std::min(in_left, kChunk));
    z.next_out = reinterpret_cast<Bytef*>(out.data() + z.total_out);
    z.avail_out = static_cast<uInt>(std::min(out.size() - z.total_out, kChunk));
    const size_t before = z.avail_in;
    status = deflate(&z, in_left <= kChunk ? Z_FINISH : Z_NO_FLUSH);
    in_at += before - z.avail_in;
    if (status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR) {
      deflateEnd(&z);
      throw std::runtime_error("zlib: deflate failed");
    }
  }
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string gunzip_text(const std::string& bytes, const std::string& file) {
  const auto fail = [&](const std::string& problem) {
    throw InputError(file, "", problem, "the run's outputs are damaged: run it again");
  };
  std::string out;
  size_t in_at = 0;
  char buffer[1 << 16];
  while (in_at < bytes.size()) {  // one gzip member per pass
    z_stream z{};
    if (inflateInit2(&z, kGzipWindowBits) != Z_OK) fail("zlib: inflateInit2 failed");
    int status = Z_OK;
    while (status != Z_STREAM_END) {
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data() + in_at));
      z.avail_in = static_cast<uInt>(std::min(bytes.size() - in_at, kChunk));
      z.next_out = reinterpret_cast<Bytef*>(buffer);
      z.avail_out = sizeof buffer;
      const size_t before = z.avail_in;
      status = inflate(&z, Z_NO_FLUSH);
      in_at += before - z.avail_in;
      out.append(buffer, sizeof buffer - z.avail_out);
      if (status == Z_STREAM_END) break;
      if (status != Z_OK || (z.avail_in == 0 && in_at == bytes.size() && z.avail_out != 0)) {
        const std::string why =
            status == Z_OK || status == Z_BUF_ERROR
                ? "the compressed data is cut short"
                : std::string("not gzip data (zlib: ") + (z.msg != nullptr ? z.msg : "error") + ")";
        inflateEnd(&z);
        fail(why);
      }
    }
    inflateEnd(&z);
  }
  return out;
}

}  // namespace gpufleet
