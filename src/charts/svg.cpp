#include "charts/svg.hpp"

#include <cmath>
#include <cstdio>

namespace gpufleet::report {

std::string escape_xml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  return out;
}

std::string coord(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f", std::abs(value) < 0.005 ? 0.0 : value);
  std::string s = buffer;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

namespace {

std::string points_attr(const std::vector<std::pair<double, double>>& points) {
  std::string out;
  for (const auto& [x, y] : points) out += (out.empty() ? "" : " ") + coord(x) + "," + coord(y);
  return out;
}

}  // namespace

Svg::Svg(double width, double height, std::string title)
    : width_(width), height_(height), title_(std::move(title)) {}

void Svg::line(double x1, double y1, double x2, double y2, const std::string& style) {
  body_ += "<line x1=\"" + coord(x1) + "\" y1=\"" + coord(y1) + "\" x2=\"" + coord(x2) +
           "\" y2=\"" + coord(y2) + "\" " + style + "/>\n";
}

void Svg::rect(double x, double y, double w, double h, const std::string& style,
               const std::string& tooltip) {
  const std::string open = "<rect x=\"" + coord(x) + "\" y=\"" + coord(y) + "\" width=\"" +
                           coord(std::max(w, 0.0)) + "\" height=\"" + coord(std::max(h, 0.0)) +
                           "\" " + style;
  body_ += tooltip.empty() ? open + "/>\n"
                           : open + "><title>" + escape_xml(tooltip) + "</title></rect>\n";
}

void Svg::polyline(const std::vector<std::pair<double, double>>& points, const std::string& style) {
  body_ += "<polyline fill=\"none\" points=\"" + points_attr(points) + "\" " + style + "/>\n";
}

void Svg::polygon(const std::vector<std::pair<double, double>>& points, const std::string& style) {
  body_ += "<polygon points=\"" + points_attr(points) + "\" " + style + "/>\n";
}

void Svg::text(double x, double y, const std::string& content, const std::string& style,
               const char* anchor, double rotate) {
  std::string transform;
  if (rotate != 0)
    transform = " transform=\"rotate(" + coord(rotate) + " " + coord(x) + " " + coord(y) + ")\"";
  body_ += "<text x=\"" + coord(x) + "\" y=\"" + coord(y) + "\" text-anchor=\"" + anchor + "\"" +
           transform + " " + style + ">" + escape_xml(content) + "</text>\n";
}

std::string Svg::finish() const {
  return "<svg class=\"chart\" width=\"" + coord(width_) + "\" height=\"" + coord(height_) +
         "\" viewBox=\"0 0 " + coord(width_) + " " + coord(height_) +
         "\" role=\"img\" aria-label=\"" + escape_xml(title_) + "\">\n<title>" +
         escape_xml(title_) + "</title>\n" + body_ + "</svg>\n";
}

}  // namespace gpufleet::report
