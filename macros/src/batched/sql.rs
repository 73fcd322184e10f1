//! The SQL text of each loader: one constant statement whose only bind parameter is the whole
//! key list. Deterministic byte for byte (sqlx's offline data is keyed by a hash of it).

use super::ast::{Field, Model};
use super::attr::Role;

/// The SQL dialect a statement is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// SQLite: the key list is one JSON array read by `json_each(?1)`. Identifiers are quoted
    /// with backticks, never double quotes: SQLite reads an unknown double-quoted identifier
    /// as a string literal, which would hide a wrong column name from the compile-time check.
    Sqlite,
}

impl Dialect {
    fn quote(self, identifier: &str) -> String {
        match self {
            Dialect::Sqlite => identifier.split('.').map(|part| format!("`{part}`")).collect::<Vec<_>>().join("."),
        }
    }

    fn key_filter(self, key_column: &str) -> String {
        match self {
            Dialect::Sqlite => format!("t.{key_column} IN (SELECT value FROM json_each(?1))"),
        }
    }
}

/// The statement of the loader generated for `field` (marked `role`).
///
/// Shape: `SELECT t.<col> AS "<field>", ... FROM <table> AS t WHERE <key filter>`, plus, for
/// group loaders, `ORDER BY` the `order_by` column (field, then container) or the primary
/// key, with the primary key as tie-breaker.
pub(crate) fn select(dialect: Dialect, model: &Model<'_>, field: &Field<'_>, role: Role) -> String {
    let table = model.table.as_ref().map_or("", |table| table.value.as_str());
    let columns = model
        .fields
        .iter()
        .map(|column| format!("t.{} AS \"{}\"", dialect.quote(&column.column()), column.name()))
        .collect::<Vec<_>>()
        .join(", ");
    let mut sql = format!(
        "SELECT {columns} FROM {} AS t WHERE {}",
        dialect.quote(table),
        dialect.key_filter(&dialect.quote(&field.column()))
    );
    if role == Role::Group {
        let primary_key = model.primary_key().map(Field::column);
        let order_by = field.order_by.as_ref().or(model.order_by.as_ref()).map(|order| order.value.clone());
        let mut order = Vec::new();
        order.extend(order_by.clone());
        if let Some(primary_key) = primary_key
            && order_by.as_deref() != Some(primary_key.as_str())
        {
            order.push(primary_key);
        }
        if !order.is_empty() {
            let order =
                order.iter().map(|column| format!("t.{}", dialect.quote(column))).collect::<Vec<_>>().join(", ");
            sql.push_str(" ORDER BY ");
            sql.push_str(&order);
        }
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batched::ctxt::Errors;

    fn statements(input: syn::DeriveInput) -> Vec<String> {
        let errors = Errors::new();
        let model = Model::from_syn(&input, &errors).expect("a struct");
        assert!(errors.is_empty());
        model.loader_fields().map(|(field, role)| select(Dialect::Sqlite, &model, field, role.value)).collect()
    }

    #[test]
    fn unique_and_group_loaders_on_sqlite() {
        let input = syn::parse_quote! {
            #[batched(table = "bot_stances")]
            struct BotStance {
                #[batched(key)] id: i64,
                #[batched(group)] bot_id: i64,
                topic: String,
                note: Option<String>,
            }
        };
        assert_eq!(
            statements(input),
            [
                "SELECT t.`id` AS \"id\", t.`bot_id` AS \"bot_id\", t.`topic` AS \"topic\", t.`note` AS \"note\" FROM `bot_stances` AS t WHERE t.`id` IN (SELECT value FROM json_each(?1))",
                "SELECT t.`id` AS \"id\", t.`bot_id` AS \"bot_id\", t.`topic` AS \"topic\", t.`note` AS \"note\" FROM `bot_stances` AS t WHERE t.`bot_id` IN (SELECT value FROM json_each(?1)) ORDER BY t.`id`",
            ]
        );
    }

    #[test]
    fn column_rename_schema_prefix_and_order_by() {
        let input = syn::parse_quote! {
            #[batched(table = "main.messages", order_by = "created_at")]
            struct Message {
                #[batched(key, column = "message_id")] id: i64,
                #[batched(group)] chat_id: i64,
                #[batched(group, order_by = "id")] r#bot_id: i64,
                created_at: String,
            }
        };
        let sql = statements(input);
        assert_eq!(sql.len(), 3);
        assert_eq!(
            sql[1],
            "SELECT t.`message_id` AS \"id\", t.`chat_id` AS \"chat_id\", t.`bot_id` AS \"bot_id\", t.`created_at` AS \"created_at\" FROM `main`.`messages` AS t WHERE t.`chat_id` IN (SELECT value FROM json_each(?1)) ORDER BY t.`created_at`, t.`message_id`"
        );
        assert!(
            sql[2].ends_with("WHERE t.`bot_id` IN (SELECT value FROM json_each(?1)) ORDER BY t.`id`, t.`message_id`"),
            "{}",
            sql[2]
        );
    }

    #[test]
    fn every_statement_has_exactly_one_bind_parameter() {
        let input = syn::parse_quote! {
            #[batched(table = "t")]
            struct Row { #[batched(key)] a: i64, #[batched(group)] b: Option<i64> }
        };
        for sql in statements(input) {
            assert_eq!(sql.matches('?').count(), 1, "{sql}");
        }
    }
}
