// Target table descriptions (columns, unique keys, foreign-key participation) read from
// information_schema and cached per db.table. Thread-safe: the reader and the workers
// share one cache; Invalidate() after DDL.
#ifndef BINSYNC_NET_MYSQL_SCHEMA_CACHE_H_
#define BINSYNC_NET_MYSQL_SCHEMA_CACHE_H_

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "core/schema/table_info.h"
#include "net/mysql/connection.h"

namespace binsync {

class SchemaCache {
 public:
  // `role` names the server in messages ("target", "source").
  explicit SchemaCache(ConnectOptions server, std::string role = "target")
      : options_(std::move(server)), role_(std::move(role)) {}

  // NotFound names db.table and the server when the table does not exist.
  [[nodiscard]] absl::StatusOr<std::shared_ptr<const schema::TableInfo>> Get(std::string_view db,
                                                                          std::string_view table);
  void Invalidate();
  // Incremented by every Invalidate(): users rebuild what they derived from the schema.
  [[nodiscard]] uint64_t generation() const { return generation_.load(); }

 private:
  absl::StatusOr<std::shared_ptr<const schema::TableInfo>> Load(std::string_view db,
                                                             std::string_view table)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  ConnectOptions options_;
  const std::string role_;
  std::atomic<uint64_t> generation_{0};
  std::mutex mu_;
  Connection conn_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::shared_ptr<const schema::TableInfo>, std::less<>> tables_
      ABSL_GUARDED_BY(mu_);
  std::string key_ ABSL_GUARDED_BY(mu_);  // "db.table" of the current Get
};

}  // namespace binsync

#endif  // BINSYNC_NET_MYSQL_SCHEMA_CACHE_H_
