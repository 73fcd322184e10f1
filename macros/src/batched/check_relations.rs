//! Validation of the relation shapes: top-N (`limit`), composite keys (`key(a, b)`,
//! `group(a, b)`) and many-to-many (`through(...)`). Every violation is recorded.

use super::ast::{Field, Model};
use super::attr::{Composite, Role, Through};
use super::backend::Backend;
use super::check::{check_column, check_order_by, is_loader_prefix, is_table_name};
use super::ctxt::Errors;
use super::sql::{KeyKind, SUPPORTED_JSON_KEYS};

pub(crate) fn check(model: &Model<'_>, errors: &Errors) {
    for field in &model.fields {
        check_limit(model, field, errors);
    }
    for composite in &model.composites {
        check_composite(model, composite, errors);
    }
    for through in &model.throughs {
        check_through(model, through, errors);
    }
    check_loader_names(model, errors);
}

/// Two loaders of one struct with the same type name (a `through` whose parent column is also
/// a `group` field, two identical composites) would be two definitions of one type.
fn check_loader_names(model: &Model<'_>, errors: &Errors) {
    let mut seen: Vec<syn::Ident> = Vec::new();
    for spec in model.loaders() {
        let name = model.spec_ident(&spec);
        if seen.contains(&name) {
            errors.error(
                name.span(),
                format_args!(
                    "a second loader named `{name}`: each key, group, composite and through gets its own loader type; \
                     name this one with loader = \"...\" inside through(...), or remove the duplicate declaration"
                ),
            );
        } else {
            seen.push(name);
        }
    }
}

/// `limit = N`: a positive N, on a `group` field, with an order, and a primary key to join
/// the window's rows back by.
fn check_limit(model: &Model<'_>, field: &Field<'_>, errors: &Errors) {
    let Some(limit) = &field.limit else { return };
    if limit.value == 0 {
        errors.error(
            limit.value_span,
            "`limit = 0` would return no rows for every key: give the number of rows to keep per key, e.g. limit = 30",
        );
    }
    if field.roles.first().is_none_or(|role| role.value != Role::Group) {
        errors.error(
            limit.span,
            "`limit` keeps the first N rows of each group: it applies to #[batched(group)] fields only",
        );
        return;
    }
    if field.order_by.is_none() && model.order_by.is_none() {
        errors.error(
            limit.span,
            "`limit` without `order_by`: which N rows per key is undefined; add the order, e.g. \
             #[batched(group, order_by = \"created_at DESC, id DESC\", limit = 30)]",
        );
    }
    if model.primary_key().is_none() {
        errors.error(
            limit.span,
            "`limit` needs the primary key to join the kept rows back: mark the primary key field #[batched(key)]",
        );
    }
}

fn check_composite(model: &Model<'_>, composite: &Composite, errors: &Errors) {
    let keyword = composite.role.value.keyword();
    for name in &composite.fields {
        if model.field_named(name).is_none() {
            errors.error(
                name.span(),
                format_args!(
                    "no field `{name}` in `{}`: `{keyword}(...)` lists the struct's field names, in key order",
                    model.ident
                ),
            );
        }
    }
    if composite.fields.len() < 2 {
        errors.error(
            composite.role.span,
            format_args!(
                "a composite `{keyword}` has at least two fields, e.g. {keyword}(actor_id, film_id); for a single column, \
                 put #[batched({keyword})] on its field"
            ),
        );
    }
    if composite.role.value == Role::Group && model.order_by.is_none() && model.tie_breaker().is_empty() {
        errors.error(
            composite.role.span,
            "group loaders return rows in primary key order: mark the primary key field #[batched(key)], or give \
             #[batched(order_by = \"column\")]",
        );
    }
}

fn check_through(model: &Model<'_>, through: &Through, errors: &Errors) {
    let needed = [("table", &through.table), ("parent", &through.parent), ("child", &through.child)];
    let missing: Vec<&str> = needed.iter().filter(|(_, value)| value.is_none()).map(|(name, _)| *name).collect();
    if !missing.is_empty() {
        errors.error(
            through.span,
            format_args!(
                "`through` is missing {}: write through(table = \"join_table\", parent = \"parent_id\", child = \"child_id\")",
                missing.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(", ")
            ),
        );
    }
    if let Some(table) = &through.table
        && !is_table_name(&table.value)
    {
        errors.error(
            table.value_span,
            format_args!(
                "`table = {:?}` is not a plain SQL identifier: use letters, digits and `_`, optionally one `schema.` prefix",
                table.value
            ),
        );
    }
    for (option, value) in [("parent", &through.parent), ("child", &through.child), ("target", &through.target)] {
        if let Some(value) = value {
            check_column(errors, option, &value.value, value.value_span);
        }
    }
    if let (Some(parent), Some(child)) = (&through.parent, &through.child)
        && parent.value == child.value
    {
        errors.error(
            child.value_span,
            "`parent` and `child` name the same column: `parent` is the join table's column holding the key you load by, \
             `child` the one referencing this struct's rows",
        );
    }
    if let Some(order_by) = &through.order_by {
        check_order_by(errors, &order_by.value, order_by.value_span);
    }
    if let Some(loader) = &through.loader
        && !is_loader_prefix(&loader.value)
    {
        errors.error(
            loader.value_span,
            format_args!("`loader = {:?}` is not a plain Rust identifier: it names the loader type", loader.value),
        );
    }
    match &through.target {
        Some(target) if model.through_target(through).is_none() => errors.error(
            target.value_span,
            format_args!(
                "`target = {:?}` names no column of `{}`: it is the column of this struct's table that the join table's \
                 `child` column references, read by one of the fields (columns: {})",
                target.value,
                model.ident,
                model.fields.iter().map(Field::column).collect::<Vec<_>>().join(", ")
            ),
        ),
        None if model.primary_key().is_none() => errors.error(
            through.span,
            "`through` joins the join table's `child` column to this struct's primary key: mark the primary key field \
             #[batched(key)], or name the referenced column with target = \"column\"",
        ),
        _ => {}
    }
}

/// Key types each relation loader can bind on `backend`: composite keys travel as one JSON
/// array of tuples on every backend; many-to-many parent keys like single keys.
pub(crate) fn check_keys(model: &Model<'_>, backend: Backend, errors: &Errors) {
    for composite in &model.composites {
        for name in &composite.fields {
            let Some(field) = model.field_named(name) else { continue };
            let kind = KeyKind::of(field.key_type());
            let supported = match backend {
                Backend::Postgres => kind.postgres_type().is_some(),
                Backend::Sqlite | Backend::Mysql => kind != KeyKind::Other,
            };
            if !supported {
                errors.error(
                    name.span(),
                    format_args!(
                        "composite keys are bound as one JSON array of tuples, read back with each field's SQL type; \
                         on {} the supported field types are {}; the type of `{name}` is not one of them",
                        backend.name(),
                        if backend == Backend::Postgres { POSTGRES_COMPOSITE_KEYS } else { SUPPORTED_JSON_KEYS },
                    ),
                );
            }
        }
    }
    if backend == Backend::Postgres {
        return;
    }
    for through in &model.throughs {
        let Some(target) = model.through_target(through) else { continue };
        let (ty, span) = match &through.key_type {
            Some(key_type) => (&key_type.value, key_type.value_span),
            None => (target.key_type(), through.span),
        };
        if KeyKind::of(ty) == KeyKind::Other {
            errors.error(
                span,
                format_args!(
                    "`through` parent keys are bound as one JSON array on {}, which supports key types {SUPPORTED_JSON_KEYS}; \
                     give the parent key's type with key_type = \"i64\" (or another of them)",
                    backend.name()
                ),
            );
        }
    }
}

/// Field types a PostgreSQL composite key accepts, for error messages.
const POSTGRES_COMPOSITE_KEYS: &str = "i16, i32, i64, bool, String, uuid::Uuid, chrono::NaiveDate";
