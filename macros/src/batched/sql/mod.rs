//! The SQL text of each loader: one constant statement whose only bind parameter is the whole
//! key list, ending with a comment naming the loader ([`comment`]). Deterministic byte for byte
//! (sqlx's offline data is keyed by a hash of it). One module per dialect: identifier quoting
//! and the key filter.

mod comment;
mod key_kind;
mod mysql;
mod postgres;
mod sqlite;

pub(crate) use key_kind::{KeyKind, SUPPORTED_JSON_KEYS};

use super::ast::{Field, LoaderSpec, Model, OrderTerm, order_terms};
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
    /// The filter matching the tuple of `columns` (already quoted and qualified) against the
    /// one bind parameter holding every key tuple as a JSON array of arrays.
    fn tuple_filter(&self, columns: &[String], kinds: &[KeyKind]) -> String;
}

/// Alias of the parent key column in a many-to-many statement (a field of the generated row).
pub(crate) const PARENT_ALIAS: &str = "__batchload_parent";

fn dialect(backend: Backend) -> &'static dyn Dialect {
    match backend {
        Backend::Sqlite => &sqlite::Sqlite,
        Backend::Postgres => &postgres::Postgres,
        Backend::Mysql => &mysql::Mysql,
    }
}

/// The statement of one loader, for `backend`: its shape ([`select`], [`top_n`],
/// [`composite_select`], [`through`]), then the comment naming the loader
/// (` /*batchload='BotById'*/`, [`comment`]). The one entry point: every generated statement
/// is finished here.
pub(crate) fn statement(backend: Backend, model: &Model<'_>, spec: &LoaderSpec<'_, '_>) -> String {
    let sql = match spec {
        LoaderSpec::Single { field, role } => select(backend, model, field, role.value, KeyKind::of(field.key_type())),
        LoaderSpec::Composite { composite, fields } => composite_select(backend, model, fields, composite.role.value),
        LoaderSpec::Through { through: declaration, target } => {
            let kind = spec.single_key_type().map_or(KeyKind::Other, KeyKind::of);
            through(backend, model, declaration, target, kind)
        }
    };
    comment::attributed(sql, &model.spec_ident(spec).to_string())
}

/// The statement of the loader generated for `field` (marked `role`), for `backend`.
///
/// Shape: `SELECT t.<col> AS <field>, ... FROM <table> AS t WHERE <key filter>`, plus, for
/// group loaders, `ORDER BY` the `order_by` list (field, then container) or the primary
/// key, with the primary key as tie-breaker. A group field with `limit = N` gets the top-N
/// form ([`top_n`]).
fn select(backend: Backend, model: &Model<'_>, field: &Field<'_>, role: Role, kind: KeyKind) -> String {
    if role == Role::Group
        && let Some(limit) = &field.limit
    {
        return top_n(backend, model, field, limit.value, kind);
    }
    let dialect = dialect(backend);
    let key_column = format!("t.{}", dialect.quote(&field.column()));
    let key_filter = match (&field.pg_type, backend) {
        // The key list is cast to the column's own array type, so the comparison is the
        // column's (`citext`: case-insensitive), not that of the type sqlx binds (`text[]`).
        (Some(pg_type), Backend::Postgres) => format!("{key_column} = ANY($1::{}[])", pg_type.value),
        _ => dialect.key_filter(&key_column, kind),
    };
    let mut sql =
        format!("SELECT {} FROM {} AS t WHERE {key_filter}", columns(dialect, model, "t"), dialect.quote(table(model)));
    if role == Role::Group {
        push_order(&mut sql, &order(dialect, "t", &group_order(model, field), &model.tie_breaker()));
    }
    sql
}

/// Top-N per key, the "join-back" form: a window numbers each key's rows over the rows of
/// the requested keys only (alias `t`, the key filter), and the table is joined back by
/// primary key (alias `b`) so every column keeps its declared type and nullability:
///
/// `SELECT b.<cols> FROM <table> AS b INNER JOIN (SELECT t.<pk>, ROW_NUMBER() OVER (PARTITION
/// BY t.<key> ORDER BY <order>, t.<pk>) AS rn FROM <table> AS t WHERE <key filter>) AS r ON
/// r.<pk> = b.<pk> WHERE r.rn <= N ORDER BY b.<key>, r.rn`
///
/// `N` is a literal: the statement keeps exactly one bind parameter (see docs/decisions.md).
/// PostgreSQL gets the `LATERAL` form instead ([`top_n_lateral`]).
fn top_n(backend: Backend, model: &Model<'_>, field: &Field<'_>, limit: u64, kind: KeyKind) -> String {
    if backend == Backend::Postgres {
        return top_n_lateral(model, field, limit, kind);
    }
    let dialect = dialect(backend);
    let table = dialect.quote(table(model));
    let key = dialect.quote(&field.column());
    let primary_key = dialect.quote(&model.primary_key().map_or_else(|| field.column(), Field::column));
    let window_order = order(dialect, "t", &group_order(model, field), &model.tie_breaker()).join(", ");
    format!(
        "SELECT {} FROM {table} AS b INNER JOIN (SELECT t.{primary_key}, ROW_NUMBER() OVER (PARTITION BY t.{key} \
         ORDER BY {window_order}) AS rn FROM {table} AS t WHERE {}) AS r ON r.{primary_key} = b.{primary_key} \
         WHERE r.rn <= {limit} ORDER BY b.{key}, r.rn",
        columns(dialect, model, "b"),
        dialect.key_filter(&format!("t.{key}"), kind),
    )
}

/// Top-N per key on PostgreSQL, the `LATERAL` form: the requested keys that have rows (alias
/// `t`, the key filter, an index-only read where an index leads with the key), then for each
/// key the first N rows in group order (alias `b`, `LIMIT N`: N index entries read, not the
/// whole group), ordered by key then group order:
///
/// `SELECT l.<cols> FROM (SELECT DISTINCT t.<key> FROM <table> AS t WHERE <key filter>) AS k
/// CROSS JOIN LATERAL (SELECT b.* FROM <table> AS b WHERE b.<key> = k.<key> ORDER BY <order>
/// LIMIT N) AS l ORDER BY l.<key>, <order>`
///
/// PostgreSQL traces `l.<col>` back to the table's column, so sqlx keeps each column's
/// nullability; the join-back form hash-joined the whole table instead (docs/decisions.md).
fn top_n_lateral(model: &Model<'_>, field: &Field<'_>, limit: u64, kind: KeyKind) -> String {
    let dialect = dialect(Backend::Postgres);
    let table = dialect.quote(table(model));
    let key = dialect.quote(&field.column());
    let terms = group_order(model, field);
    let tie_breaker = model.tie_breaker();
    format!(
        "SELECT {} FROM (SELECT DISTINCT t.{key} FROM {table} AS t WHERE {}) AS k CROSS JOIN LATERAL \
         (SELECT b.* FROM {table} AS b WHERE b.{key} = k.{key} ORDER BY {} LIMIT {limit}) AS l ORDER BY l.{key}, {}",
        columns(dialect, model, "l"),
        dialect.key_filter(&format!("t.{key}"), kind),
        order(dialect, "b", &terms, &tie_breaker).join(", "),
        order(dialect, "l", &terms, &tie_breaker).join(", "),
    )
}

/// A composite-key loader: `SELECT t.<cols> FROM <table> AS t WHERE (t.<a>, t.<b>) IN (<the
/// key tuples of the one JSON parameter>)`, ordered like a group loader for `group(...)`.
fn composite_select(backend: Backend, model: &Model<'_>, fields: &[&Field<'_>], role: Role) -> String {
    let dialect = dialect(backend);
    let key_columns: Vec<String> = fields.iter().map(|field| format!("t.{}", dialect.quote(&field.column()))).collect();
    let kinds: Vec<KeyKind> = fields.iter().map(|field| KeyKind::of(field.key_type())).collect();
    let mut sql = format!(
        "SELECT {} FROM {} AS t WHERE {}",
        columns(dialect, model, "t"),
        dialect.quote(table(model)),
        dialect.tuple_filter(&key_columns, &kinds)
    );
    if role == Role::Group {
        let terms = model.order_by.as_ref().and_then(|order| order_terms(&order.value)).unwrap_or_default();
        push_order(&mut sql, &order(dialect, "t", &terms, &model.tie_breaker()));
    }
    sql
}

/// A many-to-many loader: the join table (alias `t`, filtered on its `parent` column) joined
/// to the struct's table (alias `c`) on `c.<target> = t.<child>`, selecting the parent key
/// beside the struct's columns, ordered by the join table's `order_by`, then the struct's
/// `order_by`, then its primary key (or target column):
///
/// `SELECT t.<parent> AS __batchload_parent, c.<cols> FROM <join> AS t INNER JOIN <table> AS c
/// ON c.<target> = t.<child> WHERE <key filter on t.<parent>> ORDER BY ...`
fn through(
    backend: Backend,
    model: &Model<'_>,
    through: &super::attr::Through,
    target: &Field<'_>,
    kind: KeyKind,
) -> String {
    let dialect = dialect(backend);
    fn text(value: &Option<super::attr::Spanned<String>>) -> &str {
        value.as_ref().map_or("", |value| value.value.as_str())
    }
    let parent = format!("t.{}", dialect.quote(text(&through.parent)));
    let mut sql = format!(
        "SELECT {parent} AS {}, {} FROM {} AS t INNER JOIN {} AS c ON c.{} = t.{} WHERE {}",
        dialect.alias(PARENT_ALIAS),
        columns(dialect, model, "c"),
        dialect.quote(text(&through.table)),
        dialect.quote(table(model)),
        dialect.quote(&target.column()),
        dialect.quote(text(&through.child)),
        dialect.key_filter(&parent, kind)
    );
    let join_terms = through.order_by.as_ref().and_then(|order| order_terms(&order.value)).unwrap_or_default();
    let own_terms = model.order_by.as_ref().and_then(|order| order_terms(&order.value)).unwrap_or_default();
    let mut tie = model.tie_breaker();
    if tie.is_empty() {
        tie.push(target.column());
    }
    let mut order_list = order(dialect, "t", &join_terms, &[]);
    order_list.extend(order(dialect, "c", &own_terms, &tie));
    push_order(&mut sql, &order_list);
    sql
}

/// The table of the struct (empty when missing: an error already reported).
fn table<'m>(model: &'m Model<'_>) -> &'m str {
    model.table.as_ref().map_or("", |table| table.value.as_str())
}

/// `alias.<col> AS <field>, ...` for every field.
fn columns(dialect: &dyn Dialect, model: &Model<'_>, alias: &str) -> String {
    model
        .fields
        .iter()
        .map(|column| format!("{alias}.{} AS {}", dialect.quote(&column.column()), dialect.alias(&column.name())))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The `order_by` of a group field (field, then container), parsed.
fn group_order(model: &Model<'_>, field: &Field<'_>) -> Vec<OrderTerm> {
    field.order_by.as_ref().or(model.order_by.as_ref()).and_then(|order| order_terms(&order.value)).unwrap_or_default()
}

/// `alias.<col> [DIR]` for each term, then each tie-breaker column not already ordered on.
fn order(dialect: &dyn Dialect, alias: &str, terms: &[OrderTerm], tie_breaker: &[String]) -> Vec<String> {
    let mut order: Vec<String> = terms
        .iter()
        .map(|term| match term.direction {
            Some(direction) => format!("{alias}.{} {direction}", dialect.quote(&term.column)),
            None => format!("{alias}.{}", dialect.quote(&term.column)),
        })
        .collect();
    for column in tie_breaker {
        if !terms.iter().any(|term| &term.column == column) {
            order.push(format!("{alias}.{}", dialect.quote(column)));
        }
    }
    order
}

fn push_order(sql: &mut String, order: &[String]) {
    if !order.is_empty() {
        sql.push_str(" ORDER BY ");
        sql.push_str(&order.join(", "));
    }
}

#[cfg(test)]
mod tests;
