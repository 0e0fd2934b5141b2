#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gpufleet::report {

// Text made safe for XML content and attribute values.
std::string escape_xml(std::string_view text);

// A coordinate or length for an SVG attribute: at most two decimals, no trailing zeros.
std::string coord(double value);

// Appends SVG elements to one <svg> document. Coordinates are pixels, y down.
class Svg {
 public:
  Svg(double width, double height, std::string title);

  void line(double x1, double y1, double x2, double y2, const std::string& style);
  void rect(double x, double y, double w, double h, const std::string& style,
            const std::string& tooltip = {});
  void polyline(const std::vector<std::pair<double, double>>& points, const std::string& style);
  void polygon(const std::vector<std::pair<double, double>>& points, const std::string& style);
  // anchor: "start", "middle" or "end"; rotate: degrees about (x, y).
  void text(double x, double y, const std::string& content, const std::string& style,
            const char* anchor = "start", double rotate = 0);
  std::string finish() const;

 private:
  std::string body_;
  double width_, height_;
  std::string title_;
};

}  // namespace gpufleet::report
