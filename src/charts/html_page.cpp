#include "charts/html_page.hpp"

#include "charts/svg.hpp"

namespace gpufleet::report {

namespace {

// Local fonts only: the page must render the same with no network.
constexpr const char* kStyle = R"(
body { margin: 0; background: #f4f5f7; color: #1d1f23;
  font-family: "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif; font-size: 14px; }
main { max-width: 1272px; margin: 0 auto; padding: 24px 24px 48px; }
header h1 { font-size: 24px; margin: 0 0 4px; }
header p { margin: 0; color: #555; }
h2 { font-size: 18px; margin: 32px 0 6px; padding-bottom: 4px; border-bottom: 2px solid #d9dce1; }
p.intro { color: #444; margin: 4px 0 12px; max-width: 980px; line-height: 1.45; }
.kpis { display: flex; flex-wrap: wrap; gap: 12px; margin: 18px 0 6px; }
.kpi { background: #fff; border: 1px solid #dde0e5; border-radius: 8px; padding: 10px 14px;
  min-width: 150px; flex: 1 1 150px; }
.kpi .label { font-size: 12px; color: #555; text-transform: uppercase; letter-spacing: 0.04em; }
.kpi .value { font-size: 24px; font-weight: bold; margin: 2px 0; }
.kpi .note { font-size: 12px; color: #666; }
.grid { display: flex; flex-wrap: wrap; gap: 16px; }
figure { margin: 0; background: #fff; border: 1px solid #dde0e5; border-radius: 8px;
  padding: 6px; flex: 0 1 600px; }
figure svg { display: block; max-width: 100%; height: auto; }
figure.note { min-height: 120px; }
.note-title { font-size: 14px; font-weight: bold; padding: 8px 6px 0; }
.note-text { font-size: 16px; color: #333; padding: 36px 6px; margin: 0; text-align: center; }
p.left-out { color: #666; font-style: italic; margin: 6px 0; }
figcaption { font-size: 12px; color: #555; padding: 4px 8px 4px; line-height: 1.4; }
svg.chart text { font-family: inherit; }
svg.chart .chart-title { font-size: 14px; font-weight: bold; }
svg.chart .legend, svg.chart .tick { font-size: 11px; }
svg.chart .axis-label { font-size: 12px; }
table { border-collapse: collapse; background: #fff; margin: 8px 0 12px; font-size: 13px; }
th, td { border: 1px solid #dde0e5; padding: 5px 9px; text-align: right; white-space: nowrap; }
th { background: #eef0f3; white-space: normal; vertical-align: bottom; max-width: 13em; }
td:first-child, th:first-child { text-align: left; }
.scroll { overflow-x: auto; }
footer { margin-top: 36px; color: #777; font-size: 12px; }
)";

}  // namespace

HtmlPage::HtmlPage(const std::string& title, const std::string& subtitle) : title_(title) {
  body_ =
      "<header><h1>" + escape_xml(title) + "</h1><p>" + escape_xml(subtitle) + "</p></header>\n";
}

void HtmlPage::kpis(const std::vector<Kpi>& cards) {
  close_grid();
  body_ += "<div class=\"kpis\">\n";
  for (const auto& k : cards)
    body_ += "<div class=\"kpi\"><div class=\"label\">" + escape_xml(k.label) +
             "</div><div class=\"value\">" + escape_xml(k.value) + "</div><div class=\"note\">" +
             escape_xml(k.note) + "</div></div>\n";
  body_ += "</div>\n";
}

void HtmlPage::section(const std::string& title, const std::string& intro) {
  close_grid();
  body_ += "<h2>" + escape_xml(title) + "</h2>\n";
  if (!intro.empty()) body_ += "<p class=\"intro\">" + escape_xml(intro) + "</p>\n";
}

void HtmlPage::figure(const std::string& svg, const std::string& caption) {
  if (!in_grid_) body_ += "<div class=\"grid\">\n";
  in_grid_ = true;
  body_ += "<figure>\n" + svg + "<figcaption>" + escape_xml(caption) + "</figcaption>\n</figure>\n";
}

void HtmlPage::note_figure(const std::string& title, const std::string& text) {
  if (!in_grid_) body_ += "<div class=\"grid\">\n";
  in_grid_ = true;
  body_ += "<figure class=\"note\">\n<div class=\"note-title\">" + escape_xml(title) +
           "</div>\n<p class=\"note-text\">" + escape_xml(text) + "</p>\n</figure>\n";
}

void HtmlPage::figure_left_out(const std::string& title, const std::string& why) {
  left_out_.push_back("Not drawn: " + title + ": " + why + ".");
}

void HtmlPage::table(const std::vector<std::vector<std::string>>& rows) {
  close_grid();
  body_ += "<div class=\"scroll\"><table>\n";
  for (size_t r = 0; r < rows.size(); ++r) {
    const char* cell = r == 0 ? "th" : "td";
    body_ += "<tr>";
    for (const auto& c : rows[r]) {
      std::string text = escape_xml(c);
      // Headers may break after a '+' too: policy names are long joins of parts.
      if (r == 0)
        for (size_t at = text.find('+'); at != std::string::npos; at = text.find('+', at + 7))
          text.insert(at + 1, "<wbr/>");
      body_ += std::string("<") + cell + ">" + text + "</" + cell + ">";
    }
    body_ += "</tr>\n";
  }
  body_ += "</table></div>\n";
}

void HtmlPage::paragraph(const std::string& text) {
  close_grid();
  body_ += "<p class=\"intro\">" + escape_xml(text) + "</p>\n";
}

void HtmlPage::close_grid() {
  if (in_grid_) body_ += "</div>\n";
  in_grid_ = false;
  for (const auto& line : left_out_)
    body_ += "<p class=\"intro left-out\">" + escape_xml(line) + "</p>\n";
  left_out_.clear();
}

std::string HtmlPage::finish() {
  close_grid();
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>" +
         escape_xml(title_) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n<main>\n" +
         body_ +
         "<footer>Written by gpufleet. Definitions of every figure: docs/metrics.md and "
         "docs/reports.md.</footer>\n</main>\n</body>\n</html>\n";
}

}  // namespace gpufleet::report
