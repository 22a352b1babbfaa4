// The context a statement-based statement ran in on its source, as the server logs it in
// the events just before the QUERY (or EXECUTE_LOAD_QUERY) it belongs to:
//   INTVAR    INSERT_ID (the first auto-increment value the statement generated) and
//             LAST_INSERT_ID (the value LAST_INSERT_ID() returned in it)
//   RAND      the two seeds of RAND()
//   USER_VAR  one per user variable the statement read: string (bytes + collation), real,
//             int (signed or unsigned), decimal, or NULL
// Without it a statement cannot be reproduced (auto-increment values, RAND(), @vars).
//
// StatementContext collects those events (copying what it keeps: the events' buffers are
// reused) and renders them for dump's JSON and text formats and as the SET statements a
// replica runs before the statement. Storage is reused across statements: Clear() keeps
// capacity. Not thread-safe.
#ifndef BINSYNC_CORE_BINLOG_STATEMENT_CONTEXT_H_
#define BINSYNC_CORE_BINLOG_STATEMENT_CONTEXT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "core/binlog/events.h"

namespace binsync::binlog {

// Character set and collation names of a collation id, for the ids binsync can name
// (latin1, ascii, utf8/utf8mb3, utf8mb4 and binary collations most servers use); false
// for others.
[[nodiscard]] bool CollationNames(uint32_t collation, std::string_view* charset,
                                  std::string_view* name);

class StatementContext {
 public:
  // Records `event` when it is an INTVAR, RAND or USER_VAR and returns true; returns false
  // for any other event (nothing recorded). A later event of the same kind (or the same
  // variable) replaces the earlier one.
  bool Add(const Event& event);
  // Forgets everything (after the statement the context belonged to).
  void Clear();
  [[nodiscard]] bool empty() const {
    return !has_insert_id_ && !has_last_insert_id_ && !has_rand_ && vars_.empty();
  }

  // Appends `,"context":{...}` (nothing when empty): "insert_id", "last_insert_id",
  // "rand_seed1", "rand_seed2", "user_vars":{"name":value} with only the keys logged.
  // Values: int -> number, real -> number, decimal -> string ("12.30"), string -> string
  // (text of its charset; bytes that are not text as "0x..."), NULL -> null.
  [[nodiscard]] absl::Status AppendJson(std::string* out) const;

  // How AppendSql renders a string variable whose collation it cannot name.
  enum class UnknownCollation {
    kBinaryWithComment,  // _binary X'..' followed by a comment naming the collation id
    kError,              // an error naming the variable and the id (a replica must refuse)
  };
  // Appends one `SET ...;` line per item, as mariadb-binlog prints them:
  //   SET INSERT_ID=5;  SET LAST_INSERT_ID=3;  SET @@RAND_SEED1=1, @@RAND_SEED2=2;
  //   SET @`a`:=_utf8mb4 X'6869' COLLATE `utf8mb4_general_ci`;  SET @`n`:=NULL;
  [[nodiscard]] absl::Status AppendSql(UnknownCollation unknown, std::string* out) const;

 private:
  struct Var {
    uint32_t name_begin = 0, name_size = 0;  // in storage_
    uint32_t value_begin = 0, value_size = 0;
    bool is_null = true;
    bool is_unsigned = false;
    uint8_t type = 0;  // UserVarEvent::kString...
    uint32_t charset = 0;
  };
  [[nodiscard]] std::string_view Bytes(uint32_t begin, uint32_t size) const {
    return std::string_view(storage_).substr(begin, size);
  }
  [[nodiscard]] std::string_view Name(const Var& v) const { return Bytes(v.name_begin, v.name_size); }
  [[nodiscard]] absl::Status AppendJsonVar(const Var& v, std::string* out) const;
  [[nodiscard]] absl::Status AppendSqlVar(const Var& v, UnknownCollation unknown,
                                          std::string* out) const;

  bool has_insert_id_ = false, has_last_insert_id_ = false, has_rand_ = false;
  uint64_t insert_id_ = 0, last_insert_id_ = 0, seed1_ = 0, seed2_ = 0;
  std::string storage_;  // names and values of vars_
  std::vector<Var> vars_;
};

}  // namespace binsync::binlog

#endif  // BINSYNC_CORE_BINLOG_STATEMENT_CONTEXT_H_
