//! The `CREATE INDEX` statement that serves a loader's key filter, in the loader's dialect.

use crate::LoaderInfo;

/// The `CREATE INDEX` statement that lets `loader`'s statement find its rows through an index
/// instead of scanning its table, in the dialect of `loader.database`; `None` for a database
/// batchload has no dialect for.
///
/// - Name: `idx_{table}_{key_column}`, plus `_{order_by}` for a group loader with an explicit
///   `order_by` (the bare table name when the table is written `schema.table`; PostgreSQL
///   truncates names longer than 63 bytes).
/// - Columns: the key column, then the `order_by` column when there is one, so the index also
///   returns each key's rows in the statement's order (a composite `(key, order_by)` index).
/// - Quoting as the derive quotes: backticks on SQLite and MySQL, double quotes on PostgreSQL.
///
/// ```
/// # use batchload::advisor::suggested_index;
/// # fn demo(info: &batchload::LoaderInfo) {
/// // MessageByChatId on SQLite (group loader, order_by = "created_at"):
/// // CREATE INDEX `idx_messages_chat_id_created_at` ON `messages` (`chat_id`, `created_at`)
/// let ddl = suggested_index(info);
/// # }
/// ```
pub fn suggested_index(loader: &LoaderInfo) -> Option<String> {
    let quote: fn(&str) -> String = match loader.database {
        "SQLite" | "MySQL" => |name| format!("`{name}`"),
        "PostgreSQL" => |name| format!("\"{name}\""),
        _ => return None,
    };
    let table = loader.table.split('.').map(quote).collect::<Vec<_>>().join(".");
    let bare_table = loader.table.rsplit('.').next().unwrap_or(loader.table);
    let mut columns = vec![loader.key_column];
    if let Some(order_by) = loader.order_by
        && !order_by.eq_ignore_ascii_case(loader.key_column)
    {
        columns.push(order_by);
    }
    let name = format!("idx_{bare_table}_{}", columns.join("_"));
    let columns = columns.into_iter().map(quote).collect::<Vec<_>>().join(", ");
    Some(format!("CREATE INDEX {} ON {table} ({columns})", quote(&name)))
}

/// Whether `text` mentions `column` as a whole identifier (not as part of a longer name).
#[cfg(any(feature = "postgres", test))]
pub(crate) fn mentions_column(text: &str, column: &str) -> bool {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let lower = text.to_ascii_lowercase();
    let column = column.to_ascii_lowercase();
    lower.match_indices(&column).any(|(at, _)| {
        let before = lower[..at].chars().next_back();
        let after = lower[at + column.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(
        database: &'static str,
        table: &'static str,
        key: &'static str,
        order_by: Option<&'static str>,
    ) -> LoaderInfo {
        LoaderInfo { loader: "L", table, key_column: key, sql: "", unique: order_by.is_none(), order_by, database }
    }

    #[test]
    fn ddl_per_dialect() {
        assert_eq!(
            suggested_index(&info("SQLite", "bot_stances", "bot_id", None)).as_deref(),
            Some("CREATE INDEX `idx_bot_stances_bot_id` ON `bot_stances` (`bot_id`)")
        );
        assert_eq!(
            suggested_index(&info("PostgreSQL", "messages", "chat_id", Some("created_at"))).as_deref(),
            Some(r#"CREATE INDEX "idx_messages_chat_id_created_at" ON "messages" ("chat_id", "created_at")"#)
        );
        assert_eq!(
            suggested_index(&info("MySQL", "app.messages", "bot_id", Some("bot_id"))).as_deref(),
            Some("CREATE INDEX `idx_messages_bot_id` ON `app`.`messages` (`bot_id`)")
        );
        assert_eq!(suggested_index(&info("Other", "t", "c", None)), None);
    }

    #[test]
    fn column_mentions_are_whole_identifiers() {
        assert!(mentions_column("(bot_id = ANY ($0))", "bot_id"));
        assert!(mentions_column("(t.\"bot_id\" = ANY ($0))", "bot_id"));
        assert!(!mentions_column("(other_bot_id = ANY ($0))", "bot_id"));
        assert!(!mentions_column("(bot_ids = 1)", "bot_id"));
    }
}
