#include "core/replicate/statement_dml.h"

#include "gtest/gtest.h"

namespace binsync::replicate {
namespace {

TEST(StatementDmlTest, NamesTheTableADmlStatementWrites) {
  EXPECT_EQ(StatementDmlTable("INSERT INTO t (a) VALUES (1)", "db"), "db.t");
  EXPECT_EQ(StatementDmlTable("insert low_priority ignore into `x`.`t`(a) values (1)", "db"),
            "x.t");
  EXPECT_EQ(StatementDmlTable("REPLACE t SET a = 1", "db"), "db.t");
  EXPECT_EQ(StatementDmlTable("UPDATE /* c */ IGNORE t SET a = 1", "db"), "db.t");
  EXPECT_EQ(StatementDmlTable("DELETE QUICK FROM s.t WHERE a = 1", "db"), "s.t");
  EXPECT_EQ(StatementDmlTable("LOAD DATA LOCAL INFILE 'x.csv' INTO TABLE t", "db"), "db.t");
  EXPECT_EQ(StatementDmlTable("\n  insert into t values (1)", ""), "t");
  EXPECT_EQ(StatementDmlTable("CREATE TABLE t (a INT)", "db"), "");
  EXPECT_EQ(StatementDmlTable("ALTER TABLE t ADD b INT", "db"), "");
  EXPECT_EQ(StatementDmlTable("BEGIN", "db"), "");
  EXPECT_EQ(StatementDmlTable("", "db"), "");
}

}  // namespace
}  // namespace binsync::replicate
