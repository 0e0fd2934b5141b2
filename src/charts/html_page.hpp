#pragma once

#include <string>
#include <utility>
#include <vector>

namespace gpufleet::report {

// One self-contained HTML page (inline CSS, inline SVG, no scripts, no external resources),
// written as well-formed XHTML-compatible markup.
class HtmlPage {
 public:
  HtmlPage(const std::string& title, const std::string& subtitle);

  // Headline figures as cards: label, value, a short note.
  struct Kpi {
    std::string label, value, note;
  };
  void kpis(const std::vector<Kpi>& cards);
  void section(const std::string& title, const std::string& intro = {});
  // A chart (an <svg> element) with its caption, in the section's two-column grid.
  void figure(const std::string& svg, const std::string& caption);
  // In place of a chart that would say nothing: a box of the chart's size with its title and
  // the finding in words ("no difference (below 0.01 points)").
  void note_figure(const std::string& title, const std::string& text);
  // A chart left out (no data): one line saying why, after the section's charts.
  void figure_left_out(const std::string& title, const std::string& why);
  // A table: first row is the header; cells are text (escaped here).
  void table(const std::vector<std::vector<std::string>>& rows);
  void paragraph(const std::string& text);
  std::string finish();

 private:
  void close_grid();

  std::string body_;
  std::vector<std::string> left_out_;
  std::string title_;
  bool in_grid_ = false;
};

}  // namespace gpufleet::report
