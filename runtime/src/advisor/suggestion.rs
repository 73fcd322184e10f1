//! A suggested index: its `CREATE INDEX` in the loader's dialect and its what-if verification.

use std::fmt;

use super::statement::bare;

/// An index that would serve a loader's key filter, in the database's dialect, with the result
/// of its what-if verification.
///
/// - Name: `idx_{table}_{columns joined by _}` (the bare table name when written
///   `schema.table`; cut to 63 bytes, PostgreSQL's limit).
/// - Columns: the key column(s), then a group loader's `order_by` column, so the index also
///   returns each key's rows in the statement's order.
/// - Quoting as the derive quotes: backticks on SQLite and MySQL, double quotes on PostgreSQL.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub(crate) database: &'static str,
    pub(crate) table: String,
    pub(crate) columns: Vec<String>,
    pub(crate) name: String,
    pub(crate) partitioned: bool,
    ddl: String,
    migration_ddl: String,
    drop_ddl: String,
    pub(crate) verification: Verification,
}

/// The result of a suggestion's what-if check: the index is created where the real database
/// is never touched (PostgreSQL: a HypoPG hypothetical index; SQLite: an in-memory copy of the
/// schema and its statistics; MySQL/MariaDB: a scratch database with a copy of the table's
/// definition and a sample of its rows), the statement is planned again, and the suggestion is
/// kept only when the planner reads the key through the new index (and, where the database
/// reports costs, the cost falls).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Verification {
    /// The planner uses the index for the key filter; costs in the database's planner units
    /// when it reports them (PostgreSQL: total cost of the generic plan; MySQL:
    /// `Last_query_cost` on the sample), `None` on SQLite, whose planner reports no costs.
    Verified {
        /// How it was verified, e.g. `"HypoPG hypothetical index"`.
        method: &'static str,
        /// The plan's cost without the index.
        cost_before: Option<f64>,
        /// The plan's cost with the index.
        cost_after: Option<f64>,
        /// Other suggested indexes of the same report assumed present (before and after): an
        /// index that pays only beside another one (a join's two sides) is verified with it.
        assumed: Vec<String>,
    },
    /// The check could not run (e.g. HypoPG is not installed): the suggestion is plausible but
    /// unproven, and [`IndexReport::write_migration`](super::IndexReport::write_migration)
    /// leaves it out.
    NotVerified {
        /// Why.
        reason: String,
    },
    /// The check ran and the planner would not use the index, or the cost would not fall: the
    /// suggestion is dropped.
    Rejected {
        /// What the planner did instead, with the costs.
        reason: String,
    },
}

impl fmt::Display for Verification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verification::Verified { method, cost_before, cost_after, assumed } => {
                write!(f, "verified ({method}")?;
                if !assumed.is_empty() {
                    write!(f, ", with {}", assumed.join(", "))?;
                }
                match (cost_before, cost_after) {
                    (Some(before), Some(after)) => write!(f, "): cost {before:.2} -> {after:.2}"),
                    _ => write!(f, "): the planner uses it"),
                }
            }
            Verification::NotVerified { reason } => write!(f, "suggestion not verified: {reason}"),
            Verification::Rejected { reason } => write!(f, "rejected: {reason}"),
        }
    }
}

impl Suggestion {
    /// A suggestion for `columns` of `table` on `database` (sqlx's name), not yet verified;
    /// `partitioned` for a PostgreSQL partitioned table (no `CONCURRENTLY`).
    pub(crate) fn new(database: &'static str, table: &str, columns: Vec<String>, partitioned: bool) -> Self {
        let mut name = format!("idx_{}_{}", bare(table), columns.join("_"));
        while name.len() > 63 {
            name.pop();
        }
        let quote = |name: &str| match database {
            "PostgreSQL" => format!("\"{}\"", name.replace('"', "\"\"")),
            _ => format!("`{}`", name.replace('`', "``")),
        };
        let quoted_table = table.split('.').map(quote).collect::<Vec<_>>().join(".");
        let quoted_columns = columns.iter().map(|column| quote(column)).collect::<Vec<_>>().join(", ");
        let ddl = format!("CREATE INDEX {} ON {quoted_table} ({quoted_columns})", quote(&name));
        // MySQL 8 has no `CREATE INDEX IF NOT EXISTS` (MariaDB has): a plain `CREATE INDEX`
        // there, which a migration runs once anyway.
        let concurrent_ddl = match database {
            "MySQL" => ddl.clone(),
            _ => format!(
                "CREATE INDEX {}IF NOT EXISTS {} ON {quoted_table} ({quoted_columns})",
                if database == "PostgreSQL" && !partitioned { "CONCURRENTLY " } else { "" },
                quote(&name)
            ),
        };
        let drop_ddl = match database {
            "PostgreSQL" if partitioned => format!("DROP INDEX IF EXISTS {}", quote(&name)),
            "PostgreSQL" => format!("DROP INDEX CONCURRENTLY IF EXISTS {}", quote(&name)),
            "MySQL" => format!("DROP INDEX {} ON {quoted_table}", quote(&name)),
            _ => format!("DROP INDEX IF EXISTS {}", quote(&name)),
        };
        Self {
            database,
            table: table.to_owned(),
            columns,
            name,
            partitioned,
            ddl,
            migration_ddl: concurrent_ddl,
            drop_ddl,
            verification: Verification::NotVerified { reason: "not checked".to_owned() },
        }
    }

    /// The `CREATE INDEX` statement, e.g.
    /// `` CREATE INDEX `idx_messages_chat_id_created_at` ON `messages` (`chat_id`, `created_at`) ``.
    pub fn ddl(&self) -> &str {
        &self.ddl
    }

    /// The table the index is created on (a partitioned table's parent, an inheritance child,
    /// a view's base table), as written in the loader or the catalog.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The indexed columns, in index order.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The what-if verification.
    pub fn verification(&self) -> &Verification {
        &self.verification
    }

    /// `true` when the what-if check proved the planner would use the index.
    pub fn is_verified(&self) -> bool {
        matches!(self.verification, Verification::Verified { .. })
    }

    /// `true` when the what-if check found the planner would not use the index (or the cost
    /// would not fall).
    pub fn is_rejected(&self) -> bool {
        matches!(self.verification, Verification::Rejected { .. })
    }

    /// The statement a migration runs: `IF NOT EXISTS` (not on MySQL, whose 8.x releases
    /// refuse it: a plain `CREATE INDEX`), and `CONCURRENTLY` on PostgreSQL (not for a
    /// partitioned table).
    pub(crate) fn migration_ddl(&self) -> &str {
        &self.migration_ddl
    }

    /// The statement that undoes [`Suggestion::migration_ddl`].
    pub(crate) fn drop_ddl(&self) -> &str {
        &self.drop_ddl
    }

    /// The index's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Whether the migration may create it concurrently (PostgreSQL, not partitioned).
    pub(crate) fn concurrent(&self) -> bool {
        self.database == "PostgreSQL" && !self.partitioned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ddl_per_dialect() {
        let sqlite = Suggestion::new("SQLite", "bot_stances", vec!["bot_id".to_owned()], false);
        assert_eq!(sqlite.ddl(), "CREATE INDEX `idx_bot_stances_bot_id` ON `bot_stances` (`bot_id`)");
        assert_eq!(
            sqlite.migration_ddl(),
            "CREATE INDEX IF NOT EXISTS `idx_bot_stances_bot_id` ON `bot_stances` (`bot_id`)"
        );
        assert_eq!(sqlite.drop_ddl(), "DROP INDEX IF EXISTS `idx_bot_stances_bot_id`");
        let postgres =
            Suggestion::new("PostgreSQL", "messages", vec!["chat_id".to_owned(), "created_at".to_owned()], false);
        assert_eq!(
            postgres.ddl(),
            r#"CREATE INDEX "idx_messages_chat_id_created_at" ON "messages" ("chat_id", "created_at")"#
        );
        assert_eq!(
            postgres.migration_ddl(),
            r#"CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_messages_chat_id_created_at" ON "messages" ("chat_id", "created_at")"#
        );
        assert_eq!(postgres.drop_ddl(), r#"DROP INDEX CONCURRENTLY IF EXISTS "idx_messages_chat_id_created_at""#);
        let partitioned = Suggestion::new("PostgreSQL", "events", vec!["bot_id".to_owned()], true);
        assert_eq!(
            partitioned.migration_ddl(),
            r#"CREATE INDEX IF NOT EXISTS "idx_events_bot_id" ON "events" ("bot_id")"#
        );
        assert!(!partitioned.concurrent());
        let mysql = Suggestion::new("MySQL", "app.messages", vec!["bot_id".to_owned()], false);
        assert_eq!(mysql.ddl(), "CREATE INDEX `idx_messages_bot_id` ON `app`.`messages` (`bot_id`)");
        assert_eq!(mysql.drop_ddl(), "DROP INDEX `idx_messages_bot_id` ON `app`.`messages`");
        // MySQL 8 refuses `CREATE INDEX IF NOT EXISTS`: the migration's statement is plain.
        assert_eq!(mysql.migration_ddl(), "CREATE INDEX `idx_messages_bot_id` ON `app`.`messages` (`bot_id`)");
        let long = Suggestion::new("PostgreSQL", &"t".repeat(70), vec!["c".to_owned()], false);
        assert_eq!(long.name().len(), 63);
    }
}
