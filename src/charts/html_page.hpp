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
  // A table: first row is the header; cells are text (escaped here).
  void table(const std::vector<std::vector<std::string>>& rows);
  void paragraph(const std::string& text);
  std::string finish();

 private:
  void close_grid();

  std::string body_;
  std::string title_;
  bool in_grid_ = false;
};

}  // namespace gpufleet::report
