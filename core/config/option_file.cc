#include "core/config/option_file.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "core/util/status_macros.h"
#include "core/util/strings.h"

namespace binsync {
namespace {

constexpr int kMaxIncludeDepth = 10;
constexpr std::string_view kBlanks = " \t\r";

std::string_view TrimBlanks(std::string_view s) {
  const size_t b = s.find_first_not_of(kBlanks);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kBlanks) - b + 1);
}

absl::Status LineError(std::string_view origin, std::string_view what) {
  return absl::InvalidArgumentError(
      StrCat("option file ", origin, ": ", what, "; fix or remove the line"));
}

char Unescaped(char c) {
  switch (c) {
    case 'b': return '\b';
    case 't': return '\t';
    case 'n': return '\n';
    case 'r': return '\r';
    case 's': return ' ';
    default: return c;  // \\ \" \' and any other character stand for themselves
  }
}

// The value part of `key = value`: quoted or not, escapes decoded, a trailing comment cut.
absl::StatusOr<std::string> ParseValue(std::string_view raw, std::string_view origin) {
  raw = TrimBlanks(raw);
  const bool quoted = !raw.empty() && (raw.front() == '"' || raw.front() == '\'');
  const char quote = quoted ? raw.front() : '\0';
  std::string out;
  size_t i = quoted ? 1 : 0;
  for (; i < raw.size(); ++i) {
    const char c = raw[i];
    if (quoted && c == quote) break;
    if (!quoted && c == '#') break;
    if (c == '\\' && i + 1 < raw.size()) {
      out += Unescaped(raw[++i]);
      continue;
    }
    out += c;
  }
  if (quoted) {
    if (i >= raw.size()) return LineError(origin, "unterminated quoted value");
    const std::string_view rest = TrimBlanks(raw.substr(i + 1));
    if (!rest.empty() && rest.front() != '#') {
      return LineError(origin, "text after the closing quote");
    }
    return out;
  }
  return std::string(TrimBlanks(out));
}

absl::StatusOr<std::vector<OptionEntry>> ReadOneFile(const std::string& path, int depth);

absl::Status IncludeDirectory(std::string_view dir, int depth, std::vector<OptionEntry>* out) {
  std::error_code ec;
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(dir), ec)) {
    if (entry.path().extension() == ".cnf") names.push_back(entry.path().string());
  }
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    ASSIGN_OR_RETURN(std::vector<OptionEntry> more, ReadOneFile(name, depth + 1));
    out->insert(out->end(), more.begin(), more.end());
  }
  return absl::OkStatus();  // a missing directory is skipped, as mysql does
}

absl::Status Directive(std::string_view line, std::string_view origin, int depth,
                       std::vector<OptionEntry>* out) {
  const size_t space = line.find_first_of(" \t");
  const std::string_view name = line.substr(0, space);
  const std::string_view arg =
      space == std::string_view::npos ? std::string_view() : TrimBlanks(line.substr(space));
  if ((name != "!include" && name != "!includedir") || arg.empty()) {
    return LineError(origin, "expected '!include FILE' or '!includedir DIR'");
  }
  if (depth >= kMaxIncludeDepth) return LineError(origin, "includes nested too deep");
  if (name == "!includedir") return IncludeDirectory(arg, depth, out);
  std::error_code ec;
  if (!std::filesystem::exists(std::string(arg), ec)) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::vector<OptionEntry> more, ReadOneFile(std::string(arg), depth + 1));
  out->insert(out->end(), more.begin(), more.end());
  return absl::OkStatus();
}

absl::StatusOr<OptionEntry> KeyValue(std::string_view line, std::string group,
                                     std::string origin) {
  const size_t eq = line.find('=');
  const std::string_view key = TrimBlanks(line.substr(0, eq));
  if (key.empty()) return LineError(origin, "option without a name");
  if (key.find_first_of(" \t") != std::string_view::npos) {
    return LineError(origin, "blank inside an option name (expected key=value)");
  }
  OptionEntry e{std::move(group), NormalizeOptionKey(key), std::nullopt, std::move(origin)};
  if (eq != std::string_view::npos) {
    ASSIGN_OR_RETURN(e.value, ParseValue(line.substr(eq + 1), e.origin));
  }
  return e;
}

absl::StatusOr<std::vector<OptionEntry>> ReadOneFile(const std::string& path, int depth) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(
        StrCat("option file ", path, ": cannot read it; check the path and permissions"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return ParseOptionText(text.str(), path, depth);
}

}  // namespace

std::string NormalizeOptionKey(std::string_view key) {
  std::string out = ToLower(key);
  std::replace(out.begin(), out.end(), '_', '-');
  return out;
}

absl::StatusOr<std::vector<OptionEntry>> ParseOptionText(std::string_view text,
                                                         std::string_view file, int depth) {
  std::vector<OptionEntry> out;
  std::string group;
  bool in_group = false;
  int line_no = 0;
  for (size_t pos = 0; pos <= text.size();) {
    const size_t nl = std::min(text.find('\n', pos), text.size());
    const std::string_view line = TrimBlanks(text.substr(pos, nl - pos));
    pos = nl + 1;
    const std::string origin = StrCat(file, ":", ++line_no);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '!') {
      RETURN_IF_ERROR(Directive(line, origin, depth, &out));
      continue;
    }
    if (line.front() == '[') {
      const size_t close = line.find(']');
      const std::string_view name =
          close == std::string_view::npos ? std::string_view() : TrimBlanks(line.substr(1, close - 1));
      if (name.empty()) return LineError(origin, "malformed group header (expected [group])");
      group = ToLower(name);
      in_group = true;
      continue;
    }
    if (!in_group) return LineError(origin, "option before any [group] header");
    ASSIGN_OR_RETURN(OptionEntry e, KeyValue(line, group, origin));
    out.push_back(std::move(e));
  }
  return out;
}

absl::StatusOr<std::vector<OptionEntry>> ReadOptionFiles(
    const std::vector<OptionFilePath>& files) {
  std::vector<OptionEntry> out;
  for (const OptionFilePath& f : files) {
    std::error_code ec;
    if (!f.required && !std::filesystem::exists(f.path, ec)) continue;
    ASSIGN_OR_RETURN(std::vector<OptionEntry> more, ReadOneFile(f.path, 0));
    out.insert(out.end(), more.begin(), more.end());
  }
  return out;
}

std::vector<OptionFilePath> OptionFilesToRead(const OptionFileChoice& choice,
                                              std::string_view home) {
  std::vector<OptionFilePath> files;
  if (!choice.defaults_file.empty()) {
    files.push_back({choice.defaults_file, true});
  } else {
    if (!choice.no_defaults) {
      files.push_back({"/etc/my.cnf", false});
      files.push_back({"/etc/mysql/my.cnf", false});
      if (!home.empty()) files.push_back({StrCat(home, "/.my.cnf"), false});
    }
    if (!choice.defaults_extra_file.empty()) files.push_back({choice.defaults_extra_file, true});
  }
  if (!choice.config_file.empty()) files.push_back({choice.config_file, true});
  return files;
}

}  // namespace binsync
