#include "core/binlog/statement_context.h"

#include <cmath>
#include <iterator>
#include <cstring>

#include "core/binlog/column_codec.h"
#include "core/binlog/json_format.h"
#include "core/util/strings.h"

namespace binsync::binlog {
namespace {

struct CollationEntry {
  uint32_t id;
  std::string_view charset;
  std::string_view name;
};

// Names both MariaDB and MySQL accept (utf8 for utf8mb3: older servers know no other).
constexpr CollationEntry kCollations[] = {
    {5, "latin1", "latin1_german1_ci"},     {8, "latin1", "latin1_swedish_ci"},
    {11, "ascii", "ascii_general_ci"},      {15, "latin1", "latin1_danish_ci"},
    {31, "latin1", "latin1_german2_ci"},    {33, "utf8", "utf8_general_ci"},
    {45, "utf8mb4", "utf8mb4_general_ci"},  {46, "utf8mb4", "utf8mb4_bin"},
    {47, "latin1", "latin1_bin"},           {48, "latin1", "latin1_general_ci"},
    {49, "latin1", "latin1_general_cs"},    {63, "binary", "binary"},
    {65, "ascii", "ascii_bin"},             {83, "utf8", "utf8_bin"},
    {94, "latin1", "latin1_spanish_ci"},    {192, "utf8", "utf8_unicode_ci"},
    {224, "utf8mb4", "utf8mb4_unicode_ci"}, {255, "utf8mb4", "utf8mb4_0900_ai_ci"},
};

void AppendJsonName(std::string_view name, std::string* out) {
  if (IsValidUtf8(name)) {
    out->push_back('"');
    AppendJsonEscaped(name, out);
    out->push_back('"');
  } else {
    AppendHexString(AsBytes(name), out);
  }
}

void AppendSqlHex(std::string_view bytes, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->append("X'");
  for (const char c : bytes) {
    const auto b = static_cast<uint8_t>(c);
    out->push_back(kHex[b >> 4]);
    out->push_back(kHex[b & 15]);
  }
  out->push_back('\'');
}

void AppendQuotedName(std::string_view name, std::string* out) {
  out->push_back('`');
  for (const char c : name) {
    if (c == '`') out->push_back('`');
    out->push_back(c);
  }
  out->push_back('`');
}

// Shortest text that reads back as the same double; false for inf/NaN.
bool AppendDouble(double d, std::string* out) {
  if (!std::isfinite(d)) return false;
  fmt::format_to(std::back_inserter(*out), "{}", d);
  return true;
}

}  // namespace

bool CollationNames(uint32_t collation, std::string_view* charset, std::string_view* name) {
  for (const CollationEntry& e : kCollations) {
    if (e.id == collation) {
      *charset = e.charset;
      *name = e.name;
      return true;
    }
  }
  return false;
}

void StatementContext::Clear() {
  has_insert_id_ = has_last_insert_id_ = has_rand_ = false;
  storage_.clear();
  vars_.clear();
}

bool StatementContext::Add(const Event& event) {
  if (const auto* i = std::get_if<IntvarEvent>(&event)) {
    if (i->kind == IntvarEvent::kInsertId) {
      has_insert_id_ = true;
      insert_id_ = i->value;
    } else {
      has_last_insert_id_ = true;
      last_insert_id_ = i->value;
    }
    return true;
  }
  if (const auto* r = std::get_if<RandEvent>(&event)) {
    has_rand_ = true;
    seed1_ = r->seed1;
    seed2_ = r->seed2;
    return true;
  }
  const auto* u = std::get_if<UserVarEvent>(&event);
  if (u == nullptr) return false;
  Var v;
  v.name_begin = static_cast<uint32_t>(storage_.size());
  v.name_size = static_cast<uint32_t>(u->name.size());
  storage_.append(u->name);
  v.is_null = u->is_null;
  v.type = u->value_type;
  v.charset = u->charset;
  v.is_unsigned = u->has_flags && (u->flags & 1) != 0;
  v.value_begin = static_cast<uint32_t>(storage_.size());
  v.value_size = static_cast<uint32_t>(u->value.size());
  storage_.append(AsChars(u->value));
  for (Var& old : vars_) {
    if (Name(old) == u->name) {
      old = v;
      return true;
    }
  }
  vars_.push_back(v);
  return true;
}

absl::Status StatementContext::AppendJsonVar(const Var& v, std::string* out) const {
  if (v.is_null) {
    out->append("null");
    return absl::OkStatus();
  }
  const std::string_view bytes = Bytes(v.value_begin, v.value_size);
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  Value value;
  switch (v.type) {
    case UserVarEvent::kInt:
      if (v.is_unsigned) {
        StrAppend(out, LoadLE(data, 8));
      } else {
        StrAppend(out, static_cast<int64_t>(LoadLE(data, 8)));
      }
      return absl::OkStatus();
    case UserVarEvent::kReal: {
      double d = 0;
      std::memcpy(&d, data, sizeof d);
      if (!AppendDouble(d, out)) out->append("null");
      return absl::OkStatus();
    }
    case UserVarEvent::kDecimal:
      out->push_back('"');
      if (absl::Status st = AppendDecimal(AsBytes(bytes.substr(2)), data[0], data[1], out);
          !st.ok()) {
        return absl::Status(st.code(), StrCat("user variable @", Name(v), ": ", ToStd(st.message())));
      }
      out->push_back('"');
      return absl::OkStatus();
    default:
      value.kind = ValueKind::kString;
      value.collation = v.charset;
      value.bytes = AsBytes(bytes);
      return AppendJsonValue(value, {}, out);
  }
}

absl::Status StatementContext::AppendJson(std::string* out) const {
  if (empty()) return absl::OkStatus();
  out->append(",\"context\":{");
  bool first = true;
  auto key = [&](std::string_view k) {
    if (!first) out->push_back(',');
    first = false;
    StrAppend(out, "\"", k, "\":");
  };
  if (has_insert_id_) {
    key("insert_id");
    StrAppend(out, insert_id_);
  }
  if (has_last_insert_id_) {
    key("last_insert_id");
    StrAppend(out, last_insert_id_);
  }
  if (has_rand_) {
    key("rand_seed1");
    StrAppend(out, seed1_);
    key("rand_seed2");
    StrAppend(out, seed2_);
  }
  if (!vars_.empty()) {
    key("user_vars");
    out->push_back('{');
    for (size_t i = 0; i < vars_.size(); ++i) {
      if (i > 0) out->push_back(',');
      AppendJsonName(Name(vars_[i]), out);
      out->push_back(':');
      if (absl::Status st = AppendJsonVar(vars_[i], out); !st.ok()) return st;
    }
    out->push_back('}');
  }
  out->push_back('}');
  return absl::OkStatus();
}

absl::Status StatementContext::AppendSqlVar(const Var& v, UnknownCollation unknown,
                                            std::string* out) const {
  out->append("SET @");
  AppendQuotedName(Name(v), out);
  out->append(":=");
  if (v.is_null) {
    out->append("NULL;\n");
    return absl::OkStatus();
  }
  const std::string_view bytes = Bytes(v.value_begin, v.value_size);
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  switch (v.type) {
    case UserVarEvent::kInt:
      if (v.is_unsigned) {
        StrAppend(out, LoadLE(data, 8));
      } else {
        StrAppend(out, static_cast<int64_t>(LoadLE(data, 8)));
      }
      break;
    case UserVarEvent::kReal: {
      double d = 0;
      std::memcpy(&d, data, sizeof d);
      const size_t at = out->size();
      if (!AppendDouble(d, out)) {
        return absl::DataLossError(StrCat("user variable @", Name(v), " holds a non-finite real"));
      }
      // An exponent makes the literal a DOUBLE, as the variable was ("1.5" is a DECIMAL).
      if (out->find_first_of("eE", at) == std::string::npos) out->append("e0");
      break;
    }
    case UserVarEvent::kDecimal:
      if (absl::Status st = AppendDecimal(AsBytes(bytes.substr(2)), data[0], data[1], out);
          !st.ok()) {
        return absl::Status(st.code(), StrCat("user variable @", Name(v), ": ", ToStd(st.message())));
      }
      break;
    default: {
      std::string_view charset, collation;
      if (CollationNames(v.charset, &charset, &collation)) {
        StrAppend(out, "_", charset, " ");
        AppendSqlHex(bytes, out);
        if (charset != "binary") StrAppend(out, " COLLATE `", collation, "`");
      } else if (unknown == UnknownCollation::kError) {
        return absl::UnimplementedError(StrCat(
            "user variable @", Name(v), " is a string in collation id ", v.charset,
            ", which binsync cannot name, so it cannot set it as the source had it"));
      } else {
        out->append("_binary ");
        AppendSqlHex(bytes, out);
        StrAppend(out, ";  -- collation id ", v.charset, "\n");
        return absl::OkStatus();
      }
      break;
    }
  }
  out->append(";\n");
  return absl::OkStatus();
}

absl::Status StatementContext::AppendSql(UnknownCollation unknown, std::string* out) const {
  if (has_insert_id_) StrAppend(out, "SET INSERT_ID=", insert_id_, ";\n");
  if (has_last_insert_id_) StrAppend(out, "SET LAST_INSERT_ID=", last_insert_id_, ";\n");
  if (has_rand_) StrAppend(out, "SET @@RAND_SEED1=", seed1_, ", @@RAND_SEED2=", seed2_, ";\n");
  for (const Var& v : vars_) {
    if (absl::Status st = AppendSqlVar(v, unknown, out); !st.ok()) return st;
  }
  return absl::OkStatus();
}

}  // namespace binsync::binlog
