#include "core/replicate/statement_dml.h"

#include <variant>

#include "core/binlog/event_types.h"
#include "core/binlog/events.h"
#include "core/replicate/assembler.h"
#include "core/util/strings.h"

namespace binsync::replicate {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Splits off the next word (an identifier possibly quoted with backticks, and dots).
std::string_view NextWord(std::string_view* rest) {
  size_t i = 0;
  while (i < rest->size()) {
    // Comments between keywords: /* ... */ (MariaDB adds them) and -- / # to line end.
    if ((*rest)[i] == '/' && i + 1 < rest->size() && (*rest)[i + 1] == '*') {
      const size_t end = rest->find("*/", i + 2);
      i = end == std::string_view::npos ? rest->size() : end + 2;
    } else if (IsSpace((*rest)[i])) {
      ++i;
    } else {
      break;
    }
  }
  size_t j = i;
  bool quoted = false;
  while (j < rest->size()) {
    const char c = (*rest)[j];
    if (c == '`') quoted = !quoted;
    if (!quoted && (IsSpace(c) || c == '(' || c == ',' || c == ';')) break;
    ++j;
  }
  std::string_view word = rest->substr(i, j - i);
  *rest = rest->substr(j);
  return word;
}

std::string Unquote(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c != '`') out.push_back(c);
  }
  return out;
}

}  // namespace

std::string StatementDmlTable(std::string_view sql, std::string_view default_db) {
  std::string_view rest = sql;
  const std::string verb = ToLower(NextWord(&rest));
  if (verb != "insert" && verb != "replace" && verb != "update" && verb != "delete" &&
      verb != "load") {
    return "";
  }
  std::string_view word;
  for (int n = 0; n < 12; ++n) {  // modifiers, INTO / FROM / DATA INFILE 'x' INTO TABLE
    word = NextWord(&rest);
    if (word.empty()) return StrCat(default_db, ".?");
    const std::string w = ToLower(word);
    if (w == "low_priority" || w == "delayed" || w == "high_priority" || w == "ignore" ||
        w == "quick" || w == "into" || w == "from" || w == "data" || w == "local" ||
        w == "concurrent" || w == "infile" || w == "table" || w == "xml" ||
        (!w.empty() && w[0] == '\'')) {
      continue;
    }
    break;
  }
  const std::string table = Unquote(word);
  if (table.find('.') != std::string::npos || default_db.empty()) return table;
  return StrCat(default_db, ".", table);
}

absl::Status CheckNoStatementDml(const Transaction& t, const schema::TableFilter& filter) {
  if (!t.has_statements && t.events.empty()) return absl::OkStatus();
  bool context = false;  // INTVAR / RAND / USER_VAR: only statements use them
  for (const EventRef& ref : t.events) {
    const auto type = static_cast<binlog::EventType>(ref.header.type);
    if (type == binlog::EventType::kIntvar || type == binlog::EventType::kRand ||
        type == binlog::EventType::kUserVar) {
      context = true;
      continue;
    }
    if (type != binlog::EventType::kQuery && type != binlog::EventType::kMariaQueryCompressed) {
      continue;
    }
    const binlog::EventView ev = t.View(ref);
    binlog::Event decoded;
    if (!binlog::DecodeEvent(ev, *t.format, t.file, &decoded).ok()) continue;  // applier says
    const auto* q = std::get_if<binlog::QueryEvent>(&decoded);
    if (q == nullptr || IsTransactionControl(q->sql)) continue;
    std::string table = StatementDmlTable(q->sql, q->db);
    if (table.empty() && !context) continue;  // DDL
    if (table.empty()) table = StrCat(q->db, q->db.empty() ? "" : ".", "?");
    const size_t dot = table.find('.');
    if (filter && dot != std::string::npos &&
        !filter(std::string_view(table).substr(0, dot), std::string_view(table).substr(dot + 1))) {
      continue;  // not replicated anyway
    }
    std::string sql(q->sql.substr(0, 120));
    for (char& c : sql) {
      if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    }
    return absl::FailedPreconditionError(StrCat(
        t.NameAt(), ": statement-based DML on ", table, " (",
        sql, q->sql.size() > 120 ? "..." : "",
        "): binsync applies row events only, and a statement replayed by a client loses its "
        "context (auto-increment ids, NOW(), RAND(), user variables); set binlog_format=ROW "
        "on the source (this write was logged as a statement: MIXED or STATEMENT format, or "
        "a session's own setting), apply this transaction on the target by hand, then run "
        "again with --skip ",
        t.Name()));
  }
  return absl::OkStatus();
}

}  // namespace binsync::replicate
