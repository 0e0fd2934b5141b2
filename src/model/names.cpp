#include "model/names.hpp"

#include <algorithm>
#include <cctype>

namespace gpufleet {

namespace {

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

// Edit distance with adjacent transpositions ("rnu" is one edit from "run"), case ignored.
size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t change = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + change});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
          lower(a[i - 2]) == lower(b[j - 1]))
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

}  // namespace

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

std::string closest_name(std::string_view typed, const std::vector<std::string>& known) {
  std::string best;
  size_t best_distance = 0;
  for (const auto& name : known) {
    const size_t d = distance(typed, name);
    if (3 * d > std::max(typed.size(), name.size())) continue;
    if (best.empty() || d < best_distance) {
      best = name;
      best_distance = d;
    }
  }
  return best;
}

std::string did_you_mean(std::string_view typed, const std::vector<std::string>& known) {
  const std::string best = closest_name(typed, known);
  return best.empty() ? "" : " (did you mean '" + best + "'?)";
}

namespace {

// Length of the UTF-8 sequence at text[i], or 0 when the bytes there are not one.
size_t utf8_length(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  const size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
  if (n == 0 || i + n > text.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  const unsigned second = byte(i + 1);
  if ((c == 0xE0 && second < 0xA0) || (c == 0xED && second >= 0xA0) ||  // overlong, surrogate
      (c == 0xF0 && second < 0x90) || (c == 0xF4 && second >= 0x90))    // overlong, > U+10FFFF
    return 0;
  return n;
}

}  // namespace

bool valid_utf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t n = utf8_length(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string printable(std::string_view text, size_t limit) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < text.size() && out.size() < limit;) {
    const size_t n = utf8_length(text, i);
    const auto c = static_cast<unsigned char>(text[i]);
    if (n > 1 || (n == 1 && c >= 0x20 && c != 0x7F)) {
      out.append(text.substr(i, n));
      i += n;
      continue;
    }
    out += std::string("\\x") + hex[c >> 4] + hex[c & 15];
    ++i;
  }
  if (out.size() >= limit) out += "...";
  return out;
}

}  // namespace gpufleet
