#include "net/mysql/schema_cache.h"

#include "net/mysql/schema_loader.h"
#include "core/util/status_macros.h"
#include "core/util/strings.h"

namespace binsync {

absl::StatusOr<std::shared_ptr<const schema::TableInfo>> SchemaCache::Get(std::string_view db,
                                                                       std::string_view table) {
  std::lock_guard lock(mu_);
  // Called per table per transaction: the key is built in a reused buffer (no allocation
  // once it has grown), copied only when a table is loaded.
  key_.assign(db);
  key_.push_back('.');
  key_.append(table);
  if (auto it = tables_.find(key_); it != tables_.end()) return it->second;
  ASSIGN_OR_RETURN(std::shared_ptr<const schema::TableInfo> info, Load(db, table));
  tables_.emplace(key_, info);
  return info;
}

void SchemaCache::Invalidate() {
  std::lock_guard lock(mu_);
  tables_.clear();
  generation_.fetch_add(1);
}

absl::StatusOr<std::shared_ptr<const schema::TableInfo>> SchemaCache::Load(std::string_view db,
                                                                        std::string_view table) {
  if (conn_.raw() == nullptr) {
    ASSIGN_OR_RETURN(conn_, Connection::Open(options_));
  }
  TableScope scope;
  scope.schemas = {std::string(db)};
  scope.table = std::string(table);
  ASSIGN_OR_RETURN(auto loaded, LoadTableInfos(conn_, scope));
  if (loaded.empty()) {
    return absl::NotFoundError(StrCat(
        db, ".", table, ": table not found on the ", role_, " ", conn_.endpoint(),
        "; create it there (same columns as on the source), then restart"));
  }
  auto info = std::make_shared<schema::TableInfo>(std::move(loaded.begin()->second));
  info->db = std::string(db);  // as asked: the name the binlog uses
  info->name = std::string(table);
  return info;
}

}  // namespace binsync
