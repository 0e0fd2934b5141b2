#include "formats/platform_check.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "model/input_error.hpp"
#include "model/names.hpp"

namespace gpufleet {

namespace {

// One start tag of the file: its name, attributes, line, and the element it sits in.
struct Element {
  std::string name;
  std::map<std::string, std::string> attributes;
  long line = 0;
  int parent = -1;
  std::map<std::string, std::string> props;  // its <prop id= value=> children
};

// A small scanner of the elements SimGrid platforms use: start and end tags, attributes in
// single or double quotes, comments, processing instructions, the DOCTYPE. Not a validating
// parser: what it cannot read it skips, and SimGrid's own parser reports it.
class Scanner {
 public:
  explicit Scanner(const std::string& text) : text_(text) {}

  std::vector<Element> elements() {
    std::vector<Element> out;
    std::vector<int> open;
    while (advance_to('<')) {
      if (skip_markup()) continue;
      if (at("</")) {
        if (!open.empty()) open.pop_back();
        skip_past(">");
        continue;
      }
      ++pos_;
      Element e;
      e.line = line_;
      e.parent = open.empty() ? -1 : open.back();
      e.name = name();
      if (e.name.empty()) continue;
      const bool empty = attributes(e);
      out.push_back(std::move(e));
      if (!empty) open.push_back(static_cast<int>(out.size()) - 1);
    }
    return out;
  }

 private:
  bool at(const char* s) const {
    return text_.compare(pos_, std::char_traits<char>::length(s), s) == 0;
  }

  void step() {
    if (text_[pos_] == '\n') ++line_;
    ++pos_;
  }

  bool advance_to(char c) {
    while (pos_ < text_.size() && text_[pos_] != c) step();
    return pos_ < text_.size();
  }

  void skip_past(const char* end) {
    while (pos_ < text_.size() && !at(end)) step();
    pos_ = std::min(text_.size(), pos_ + std::char_traits<char>::length(end));
  }

  // Comments, CDATA, processing instructions and the DOCTYPE hold no element.
  bool skip_markup() {
    if (at("<!--")) return skip_past("-->"), true;
    if (at("<![CDATA[")) return skip_past("]]>"), true;
    if (at("<?")) return skip_past("?>"), true;
    if (at("<!")) return skip_past(">"), true;
    return false;
  }

  static bool name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
           c == ':';
  }

  std::string name() {
    const size_t start = pos_;
    while (pos_ < text_.size() && name_char(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) step();
  }

  // Reads attributes up to the tag's end; true for an empty-element tag (<x/>).
  bool attributes(Element& e) {
    while (true) {
      skip_space();
      if (pos_ >= text_.size()) return true;
      if (at("/>")) return pos_ += 2, true;
      if (text_[pos_] == '>') return ++pos_, false;
      const std::string key = name();
      skip_space();
      // Not an attribute: SimGrid's parser will say so. A name without a value is left where
      // it ends, so that a '>' after it still ends the tag.
      if (key.empty()) step();
      if (key.empty() || pos_ >= text_.size() || text_[pos_] != '=') continue;
      ++pos_;
      skip_space();
      if (pos_ >= text_.size()) return true;
      const char quote = text_[pos_];
      if (quote != '"' && quote != '\'') continue;
      ++pos_;
      const size_t start = pos_;
      advance_to(quote);
      e.attributes[key] = unescape(text_.substr(start, pos_ - start));
      if (pos_ < text_.size()) ++pos_;
    }
  }

  static std::string unescape(const std::string& s) {
    static const std::pair<const char*, char> kEntities[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      bool replaced = false;
      for (const auto& [entity, c] : kEntities)
        if (s.compare(i, std::char_traits<char>::length(entity), entity) == 0) {
          out += c;
          i += std::char_traits<char>::length(entity) - 1;
          replaced = true;
          break;
        }
      if (!replaced) out += s[i];
    }
    return out;
  }

  const std::string& text_;
  size_t pos_ = 0;
  long line_ = 1;
};

// Where an error is: "line 5, <cluster id='gb200'> attribute 'core'".
std::string where(const Element& e, const std::string& attribute) {
  std::string text = "line " + std::to_string(e.line) + ", <" + e.name;
  const auto id = e.attributes.find("id");
  if (id != e.attributes.end()) text += " id='" + printable(id->second) + "'";
  text += ">";
  if (!attribute.empty()) text += " " + attribute;
  return text;
}

// The number a value starts with (SimGrid's units follow it), if it starts with one.
bool leading_number(const std::string& text, double& value, std::string* rest = nullptr) {
  char* end = nullptr;
  value = std::strtod(text.c_str(), &end);
  if (end == text.c_str()) return false;
  if (rest) *rest = end;
  return true;
}

constexpr double kMinSpeed = 1e9, kMaxSpeed = 1e18;  // flop/s of one GPU (one core)

// Flop/s per unit of a speed as SimGrid reads it ("Gf", "teraflops"; none: flop/s); 0 for a
// unit SimGrid does not know, which it refuses itself.
double flops_per_unit(const std::string& unit) {
  static const std::pair<const char*, const char*> kPrefixes[] = {
      {"", ""},      {"k", "kilo"}, {"M", "mega"},  {"G", "giga"}, {"T", "tera"},
      {"P", "peta"}, {"E", "exa"},  {"Z", "zetta"}, {"Y", "yotta"}};
  if (unit.empty()) return 1;
  double scale = 1;
  for (const auto& [symbol, word] : kPrefixes) {
    if (unit == std::string(symbol) + "f" || unit == std::string(word) + "flops") return scale;
    scale *= 1e3;
  }
  return 0;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, separator)) parts.push_back(part);
  if (!text.empty() && text.back() == separator) parts.emplace_back();
  if (text.empty()) parts.emplace_back();
  return parts;
}

class Checker {
 public:
  Checker(const std::string& file, const std::vector<Element>& elements)
      : file_(file), elements_(elements) {}

  void run() {
    for (const auto& e : elements_) {
      if (e.name == "host" || e.name == "cluster") check_compute(e);
      if (e.name == "cluster") check_cluster(e);
      if (e.name == "link") check_link(e);
      if (e.name == "prop" && e.parent >= 0 && elements_[e.parent].name == "config")
        check_config(e);
    }
  }

 private:
  [[noreturn]] void fail(const Element& e, const std::string& attribute, const std::string& problem,
                         const std::string& fix) const {
    throw InputError(file_, where(e, attribute), problem, fix);
  }

  std::string attribute(const Element& e, const std::string& key) const {
    const auto it = e.attributes.find(key);
    return it == e.attributes.end() ? std::string() : it->second;
  }

  // A host (or each host of a cluster) is one NVLink domain: one core per GPU, each core at
  // one GPU's peak speed, and the power model the energy plugin reads.
  void check_compute(const Element& e) const {
    const auto speeds = split(attribute(e, "speed"), ',');
    for (const auto& speed : speeds) {
      double x = 0;
      std::string unit;
      if (leading_number(speed, x, &unit) && !(std::isfinite(x) && x > 0))
        fail(e, "attribute 'speed'",
             "is '" + printable(speed) + "': a speed must be a positive number of flop/s",
             "give one GPU's peak, e.g. speed=\"2.5e15f\" (docs/hardware.md)");
      // A GPU between a GFLOP/s and an EFLOP/s: 1e-300f made the value of a FLOP infinite.
      const double scale = flops_per_unit(unit);
      if (scale > 0 && !(x * scale >= kMinSpeed && x * scale <= kMaxSpeed))
        fail(e, "attribute 'speed'",
             "is '" + printable(speed) + "': one GPU's peak must be from 1e9 to 1e18 flop/s",
             "give one GPU's dense BF16 peak, e.g. speed=\"2.5e15f\" (docs/hardware.md)");
    }
    check_cores(e);
    check_pstate(e, speeds.size());
    check_power(e, speeds.size());
  }

  // SimGrid reads core= as an int from its leading digits: "-5Bps" is -5 cores and "0x8" is 0,
  // and it aborts on either (SIGABRT); "8Bps" passes as 8. Only plain digits are taken.
  void check_cores(const Element& e) const {
    const auto it = e.attributes.find("core");
    if (it == e.attributes.end()) return;  // SimGrid's default: one core
    long cores = 0;
    if (!whole(it->second, cores) || cores < 1)
      fail(e, "attribute 'core'",
           "is '" + printable(it->second) +
               "': a host has a whole number of cores, at least 1, in plain digits",
           "one core per GPU of the NVLink domain, e.g. core=\"72\" for an NVL72 rack");
  }

  // pstate= picks the speed a host starts at: SimGrid aborts on one it does not have, and
  // reads it as core= is read ("1Bps" is 1).
  void check_pstate(const Element& e, size_t pstates) const {
    const auto it = e.attributes.find("pstate");
    if (it == e.attributes.end()) return;
    long pstate = 0;
    if (!whole(it->second, pstate) || pstate >= static_cast<long>(pstates))
      fail(e, "attribute 'pstate'",
           "is '" + printable(it->second) + "': the host has " + std::to_string(pstates) +
               " speed" + (pstates == 1 ? "" : "s") + ", numbered from 0",
           "give the index of one of its speeds in plain digits, e.g. pstate=\"0\", or leave "
           "pstate out");
  }

  void check_power(const Element& e, size_t pstates) const {
    const auto watts = e.props.find("wattage_per_state");
    if (watts == e.props.end())
      fail(e, "property 'wattage_per_state'",
           "is missing: the energy plugin needs each host's power",
           "add <prop id=\"wattage_per_state\" value=\"IDLE:IDLE:FULL\"/> (watts of the whole "
           "host), or generate the file with 'gpufleet platform'");
    const auto states = split(watts->second, ',');
    if (states.size() != pstates)
      fail(e, "property 'wattage_per_state'",
           "is '" + printable(watts->second) + "': " + std::to_string(states.size()) +
               " power ranges for " + std::to_string(pstates) + " speeds",
           "give one Idle:Epsilon:AllCores triple per speed, separated by commas");
    for (const auto& state : states) {
      const auto values = split(state, ':');
      bool good = values.size() == 2 || values.size() == 3;
      for (const auto& v : values) good = good && plain_watts(v);
      if (!good)
        fail(e, "property 'wattage_per_state'",
             "is '" + printable(watts->second) + "', not Idle:Epsilon:AllCores watts",
             "write three non-negative numbers of watts, e.g. \"21600:21600:86400\"");
    }
    const auto off = e.props.find("wattage_off");
    if (off != e.props.end() && !plain_watts(off->second))
      fail(e, "property 'wattage_off'",
           "is '" + printable(off->second) + "', not a non-negative number of watts",
           "write e.g. \"0\"");
  }

  static bool plain_watts(const std::string& text) {
    double x = 0;
    std::string rest;
    return leading_number(text, x, &rest) && rest.empty() && std::isfinite(x) && x >= 0;
  }

  void check_cluster(const Element& e) const {
    const std::string radical = attribute(e, "radical");
    long hosts = 0;
    for (const auto& range : split(radical, ',')) hosts += radical_count(e, range);
    if (attribute(e, "topology") == "FAT_TREE") check_fat_tree(e, hosts);
    for (const char* key : {"bw", "loopback_bw", "bb_bw"}) check_positive(e, key);
    for (const char* key : {"lat", "loopback_lat", "bb_lat"}) check_non_negative(e, key);
  }

  // "0-23" or "7": how many hosts; refuses what SimGrid would abort on.
  long radical_count(const Element& e, const std::string& range) const {
    const auto parts = split(range, '-');
    long first = 0, last = 0;
    const bool good = parts.size() <= 2 && whole(parts.front(), first) &&
                      whole(parts.back(), last) && first <= last && last - first < 100'000'000;
    if (!good)
      fail(e, "attribute 'radical'",
           "is '" + printable(attribute(e, "radical")) +
               "': expected ranges FIRST-LAST of host numbers",
           "write e.g. radical=\"0-23\" for 24 hosts");
    return last - first + 1;
  }

  static bool whole(const std::string& text, long& value) {
    if (text.empty() || text.size() > 9 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return false;
    value = std::stol(text);
    return true;
  }

  // topo_parameters="LEVELS;DOWN,...;UP,...;LINKS,...": the down counts multiply to the hosts.
  void check_fat_tree(const Element& e, long hosts) const {
    const std::string text = attribute(e, "topo_parameters");
    const auto parts = split(text, ';');
    long levels = 0;
    bool good = parts.size() == 4 && whole(parts[0], levels) && levels >= 1;
    double product = 1;
    for (size_t i = 1; good && i < 4; ++i) {
      const auto counts = split(parts[i], ',');
      good = static_cast<long>(counts.size()) == levels;
      for (const auto& c : counts) {
        long n = 0;
        good = good && whole(c, n) && n >= 1;
        if (good && i == 1) product *= static_cast<double>(n);
      }
    }
    if (!good)
      fail(e, "attribute 'topo_parameters'",
           "is '" + printable(text) + "', not a fat tree's LEVELS;DOWN;UP;LINKS",
           "write e.g. \"2;8,3;1,8;1,1\" (two levels, each count at least 1)");
    if (product != static_cast<double>(hosts))
      fail(e, "attribute 'radical'",
           "gives " + std::to_string(hosts) + " hosts but topo_parameters '" + printable(text) +
               "' makes a fat tree of " +
               (product <= 1e15 ? std::to_string(static_cast<long long>(product))
                                : std::string("more than 10^15")),
           "make the radical's host count the product of the second field's numbers");
  }

  void check_link(const Element& e) const {
    check_positive(e, "bandwidth");
    check_non_negative(e, "latency");
  }

  void check_positive(const Element& e, const char* key) const {
    double x = 0;
    const auto it = e.attributes.find(key);
    if (it != e.attributes.end() && leading_number(it->second, x) && !(std::isfinite(x) && x > 0))
      fail(e, std::string("attribute '") + key + "'",
           "is '" + printable(it->second) + "': a bandwidth must be a finite number above 0",
           "write e.g. \"400GBps\"");
  }

  void check_non_negative(const Element& e, const char* key) const {
    double x = 0;
    const auto it = e.attributes.find(key);
    if (it != e.attributes.end() && leading_number(it->second, x) && !(std::isfinite(x) && x >= 0))
      fail(e, std::string("attribute '") + key + "'",
           "is '" + printable(it->second) + "': a latency must be a finite number, at least 0",
           "write e.g. \"1us\"");
  }

  // SimGrid aborts when a model named in the file does not exist, and ptask_L07 (a model that
  // exists) crashed gpufleet's training tasks (SIGSEGV): only the models gpufleet runs on.
  void check_config(const Element& e) const {
    static const std::map<std::string, std::vector<std::string>> kModels = {
        {"network/model", {"LV08", "CM02", "Constant", "SMPI", "IB"}},
        {"cpu/model", {"Cas01"}},
        {"host/model", {"default", "compound"}},  // ptask_L07 crashed the training tasks
        {"disk/model", {"S19"}}};
    const auto known = kModels.find(attribute(e, "id"));
    if (known == kModels.end()) return;
    const std::string value = attribute(e, "value");
    if (std::find(known->second.begin(), known->second.end(), value) == known->second.end()) {
      std::string list;
      for (const auto& m : known->second) list += (list.empty() ? "" : ", ") + m;
      fail(e, "'" + known->first + "'",
           "'" + printable(value) + "' is not a SimGrid 3.32 model gpufleet runs on" +
               did_you_mean(value, known->second),
           "use one of " + list + ", or drop the <config> (gpufleet sets CM02 itself)");
    }
  }

  const std::string& file_;
  const std::vector<Element>& elements_;
};

}  // namespace

void check_platform_xml(const std::string& text, const std::string& file) {
  std::vector<Element> elements = Scanner(text).elements();
  // A <prop> belongs to the host or cluster around it (a cluster copies it to its hosts).
  for (auto& e : elements)
    if (e.name == "prop" && e.parent >= 0)
      elements[e.parent].props[e.attributes["id"]] = e.attributes["value"];
  Checker(file, elements).run();
}

void check_platform_file(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return;
  std::stringstream text;
  text << in.rdbuf();
  check_platform_xml(text.str(), file);
}

}  // namespace gpufleet
