//! Validation rules of `#[derive(Batched)]`; every violation is recorded, none stops the others.

use super::ast::{self, Model};
use super::attr::Role;
use super::backend::Backend;
use super::ctxt::Errors;
use super::sql::{KeyKind, SUPPORTED_JSON_KEYS};

/// Longest identifier accepted (PostgreSQL's limit, the smallest of the supported backends).
const MAX_IDENTIFIER_LEN: usize = 63;

pub(crate) fn check(model: &Model<'_>, errors: &Errors) {
    if !model.generics.params.is_empty() {
        errors.error(
            model.generics.params.first().map_or_else(|| model.ident.span(), syn::spanned::Spanned::span),
            "#[derive(Batched)] does not support generic row structs: a loader needs one concrete row type per statement",
        );
    }
    match &model.table {
        None if model.table_written => {}
        None => errors.error(
            model.ident.span(),
            "missing table: add #[batched(table = \"...\")] on the struct, naming the table the rows are read from",
        ),
        Some(table) => {
            if !is_table_name(&table.value) {
                errors.error(
                    table.value_span,
                    format_args!(
                        "`table = {:?}` is not a plain SQL identifier: use letters, digits and `_`, optionally one `schema.` prefix (no quotes, spaces, comments or `;`)",
                        table.value
                    ),
                );
            }
        }
    }
    if let Some(prefix) = &model.loader_prefix
        && !is_loader_prefix(&prefix.value)
    {
        errors.error(
            prefix.value_span,
            format_args!(
                "`loader = {:?}` is not a plain Rust identifier (no spaces, keywords or `r#`): loader types are named `{{loader}}By{{Field}}`",
                prefix.value
            ),
        );
    }
    if let Some(order_by) = &model.order_by {
        check_order_by(errors, &order_by.value, order_by.value_span);
    }
    if model.loader_fields().next().is_none() && model.composites.is_empty() && model.throughs.is_empty() {
        errors.error(
            model.ident.span(),
            "no loader to generate: mark a unique column with #[batched(key)] or a non-unique column with #[batched(group)]",
        );
    }
    check_key_fields(model, errors);
    super::check_relations::check(model, errors);
    for field in &model.fields {
        if let Some(column) = &field.column {
            check_column(errors, "column", &column.value, column.value_span);
        }
        if let [first, second, ..] = field.roles.as_slice() {
            errors.error(
                second.span,
                format_args!(
                    "`{}` and `{}` on one field: a column is either unique (`key`, one row per key) or not (`group`, many rows per key)",
                    first.value.keyword(),
                    second.value.keyword()
                ),
            );
        }
        if let Some(order_by) = &field.order_by {
            check_order_by(errors, &order_by.value, order_by.value_span);
            if field.roles.first().is_none_or(|role| role.value != Role::Group) {
                errors.error(
                    order_by.span,
                    "`order_by` orders the rows inside a group: it applies to #[batched(group)] fields only",
                );
            }
        }
    }
    // Reported once, at the first `group` marker that has no row order.
    let unordered_group = model
        .fields
        .iter()
        .find_map(|field| field.roles.first().filter(|role| role.value == Role::Group && field.order_by.is_none()));
    if let Some(group) = unordered_group
        && model.order_by.is_none()
        && model.tie_breaker().is_empty()
    {
        errors.error(
            group.span,
            "group loaders return rows in primary key order: mark the primary key field #[batched(key)], or give #[batched(order_by = \"column\")]",
        );
    }
}

/// Two fields marked `key` without a composite declaration: each would get its own one-to-one
/// loader, and a key shared by several rows would silently return one of them.
fn check_key_fields(model: &Model<'_>, errors: &Errors) {
    let keys: Vec<_> = model
        .fields
        .iter()
        // A field marked both `key` and `group` has its own error.
        .filter_map(|field| match field.roles.as_slice() {
            [role] if role.value == Role::Key => Some((field, role)),
            _ => None,
        })
        .collect();
    if let [(first, _), rest @ ..] = keys.as_slice() {
        for (field, role) in rest {
            errors.error(
                role.span,
                format_args!(
                    "two `key` fields (`{0}` and `{1}`): each would get its own one-to-one loader, and `load` would return \
                     one of several rows when the column is not unique by itself. If the pair identifies a row, write \
                     #[batched(key({0}, {1}))] on the struct and remove the field markers; if `{1}` is not unique, mark it \
                     #[batched(group)]",
                    first.name(),
                    field.name()
                ),
            );
        }
    }
}

/// An `order_by` list: `column [ASC|DESC], ...`, each column a plain identifier.
pub(crate) fn check_order_by(errors: &Errors, value: &str, span: proc_macro2::Span) {
    if ast::order_terms(value).is_none() {
        errors.error(
            span,
            format_args!(
                "`order_by = {value:?}` is not a list of plain SQL column names each optionally followed by ASC or DESC, \
                 e.g. \"created_at DESC, id DESC\" (letters, digits and `_`; no quotes, functions, comments or `;`)"
            ),
        );
    }
}

pub(crate) fn check_column(errors: &Errors, option: &str, value: &str, span: proc_macro2::Span) {
    if !is_identifier(value) {
        errors.error(
            span,
            format_args!("`{option} = {value:?}` is not a plain SQL column name: use letters, digits and `_` (no quotes, spaces, comments or `;`)"),
        );
    }
}

/// A Rust identifier that can start a type name: not a keyword, not a raw identifier.
pub(crate) fn is_loader_prefix(value: &str) -> bool {
    !value.starts_with("r#") && syn::parse_str::<syn::Ident>(value).is_ok()
}

/// `name` or `schema.name`, each a plain identifier.
pub(crate) fn is_table_name(value: &str) -> bool {
    match value.split_once('.') {
        Some((schema, table)) => is_identifier(schema) && is_identifier(table),
        None => is_identifier(value),
    }
}

/// Letters, digits and `_`, not starting with a digit, at most 63 bytes: a name that needs no
/// quoting to be safe and cannot carry SQL.
pub(crate) fn is_identifier(value: &str) -> bool {
    let mut chars = value.chars();
    chars.next().is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && value.len() <= MAX_IDENTIFIER_LEN
}

/// A PostgreSQL type name for `pg_type`: an identifier, optionally schema-qualified.
fn is_type_name(value: &str) -> bool {
    let parts: Vec<&str> = value.split('.').collect();
    parts.len() <= 2 && parts.iter().all(|part| is_identifier(part))
}

/// Key types the backend can bind: on the JSON-list backends (SQLite, MySQL) the derive must
/// recognise the key type to read it back with the right SQL type.
pub(crate) fn check_keys(model: &Model<'_>, backend: Backend, errors: &Errors) {
    for field in &model.fields {
        let Some(pg_type) = &field.pg_type else { continue };
        if backend != Backend::Postgres {
            errors.error(
                pg_type.span,
                format_args!(
                    "`pg_type` casts the key list on PostgreSQL only; on {} the key list is one JSON array \
                     compared with the column's own collation: remove it",
                    backend.name()
                ),
            );
        } else if !is_type_name(&pg_type.value) {
            errors.error(
                pg_type.value_span,
                "`pg_type` takes a PostgreSQL type name such as \"citext\" or \"public.citext\" (letters, digits, `_`, \
                 optionally schema-qualified)",
            );
        } else if field.roles.is_empty() {
            errors.error(pg_type.span, "`pg_type` applies to #[batched(key)] and #[batched(group)] fields only");
        }
    }
    if backend == Backend::Postgres {
        return;
    }
    for (field, role) in model.loader_fields() {
        if KeyKind::of(field.key_type()) == KeyKind::Other {
            errors.error(
                syn::spanned::Spanned::span(field.key_type()),
                format_args!(
                    "`{}` keys are bound as one JSON array on {}, which supports key types {SUPPORTED_JSON_KEYS} \
                     (written with that last path segment); this `{}` field's type is not one of them",
                    role.value.keyword(),
                    backend.name(),
                    role.value.keyword(),
                ),
            );
        }
    }
}
