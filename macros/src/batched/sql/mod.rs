//! The SQL text of each loader: one constant statement whose only bind parameter is the whole
//! key list. Deterministic byte for byte (sqlx's offline data is keyed by a hash of it).
//! One module per dialect: identifier quoting and the key filter.

mod key_kind;
mod mysql;
mod postgres;
mod sqlite;

pub(crate) use key_kind::{KeyKind, SUPPORTED_JSON_KEYS};

use super::ast::{Field, Model};
use super::attr::Role;
use super::backend::Backend;

/// What a dialect contributes to a statement.
trait Dialect {
    /// `identifier` (optionally `schema.name`) quoted so it is always read as a name.
    fn quote(&self, identifier: &str) -> String;
    /// A column alias (the Rust field name sqlx maps the column to).
    fn alias(&self, field: &str) -> String;
    /// The filter matching `key_column` (already quoted, `t.`-qualified) against the one bind
    /// parameter holding every key.
    fn key_filter(&self, key_column: &str, kind: KeyKind) -> String;
}

fn dialect(backend: Backend) -> &'static dyn Dialect {
    match backend {
        Backend::Sqlite => &sqlite::Sqlite,
        Backend::Postgres => &postgres::Postgres,
        Backend::Mysql => &mysql::Mysql,
    }
}

/// The statement of the loader generated for `field` (marked `role`), for `backend`.
///
/// Shape: `SELECT t.<col> AS <field>, ... FROM <table> AS t WHERE <key filter>`, plus, for
/// group loaders, `ORDER BY` the `order_by` column (field, then container) or the primary
/// key, with the primary key as tie-breaker.
pub(crate) fn select(backend: Backend, model: &Model<'_>, field: &Field<'_>, role: Role, kind: KeyKind) -> String {
    let dialect = dialect(backend);
    let table = model.table.as_ref().map_or("", |table| table.value.as_str());
    let columns = model
        .fields
        .iter()
        .map(|column| format!("t.{} AS {}", dialect.quote(&column.column()), dialect.alias(&column.name())))
        .collect::<Vec<_>>()
        .join(", ");
    let key_column = format!("t.{}", dialect.quote(&field.column()));
    let key_filter = match (&field.pg_type, backend) {
        // The key list is cast to the column's own array type, so the comparison is the
        // column's (`citext`: case-insensitive), not that of the type sqlx binds (`text[]`).
        (Some(pg_type), Backend::Postgres) => format!("{key_column} = ANY($1::{}[])", pg_type.value),
        _ => dialect.key_filter(&key_column, kind),
    };
    let mut sql = format!("SELECT {columns} FROM {} AS t WHERE {key_filter}", dialect.quote(table));
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
mod tests;
