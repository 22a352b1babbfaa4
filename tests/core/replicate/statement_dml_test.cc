#include "core/replicate/statement_dml.h"

#include "core/replicate/transaction.h"
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

// The refusal of a statement-based transaction and --skip's log cite it the same way:
// its GTID and where it starts (they cited the statement's and the GTID event's positions).
TEST(TransactionNameAtTest, GtidAndTheTransactionsStart) {
  Transaction t;
  t.has_gtid = true;
  t.gtid.domain_id = 1;
  t.gtid.server_id = 1;
  t.gtid.seq_no = 40;
  t.file = "mariadb-bin.000005";
  t.start_pos = 2300;
  EXPECT_EQ(t.NameAt(), "1-1-40 at mariadb-bin.000005:2300");
}

}  // namespace
}  // namespace binsync::replicate
