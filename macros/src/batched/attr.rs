//! Parsing of `#[batched(...)]` options: one slot per option, duplicates and unknown options
//! reported at the offending tokens.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, LitStr, Token};

use super::ctxt::Errors;

/// An option value and where it was written.
#[derive(Clone)]
pub(crate) struct Spanned<T> {
    pub(crate) value: T,
    /// The option's name (`table`, `key`, ...).
    pub(crate) span: Span,
    /// The option's value (the string literal of `table = "..."`); the name for a flag.
    pub(crate) value_span: Span,
}

/// One option: set at most once.
pub(crate) struct Slot<T> {
    name: &'static str,
    value: Option<Spanned<T>>,
    /// The option was written, even if its value was invalid.
    written: bool,
}

impl<T> Slot<T> {
    pub(crate) fn new(name: &'static str) -> Self {
        Self { name, value: None, written: false }
    }

    pub(crate) fn set(&mut self, errors: &Errors, span: Span, value: T, value_span: Span) {
        if self.value.is_some() {
            errors.error(span, format_args!("duplicate `{}` option in #[batched(...)]", self.name));
        } else {
            self.value = Some(Spanned { value, span, value_span });
        }
    }

    pub(crate) fn get(self) -> Option<Spanned<T>> {
        self.value
    }

    pub(crate) fn written(&self) -> bool {
        self.written || self.value.is_some()
    }
}

impl Slot<String> {
    /// Sets a `name = "string"` option.
    fn set_string(&mut self, errors: &Errors, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
        let span = meta.path.require_ident()?.span();
        let expected =
            |span| syn::Error::new(span, format_args!("`{0}` takes a string: write {0} = \"...\"", self.name));
        // No `=`: point at the option's name; a value that is not a string: point at it.
        self.written = true;
        let value = meta.value().map_err(|_| expected(span))?;
        if value.peek(LitStr) {
            let literal = value.parse::<LitStr>()?;
            self.set(errors, span, literal.value(), literal.span());
        } else {
            // Report the value and skip it, so the options after it are still checked.
            let expression = value.parse::<syn::Expr>()?;
            errors.syn_error(expected(syn::spanned::Spanned::span(&expression)));
        }
        Ok(())
    }
}

/// Options of the container attribute `#[batched(table = "...", loader = "...", order_by = "...")]`.
pub(crate) struct ContainerOptions {
    pub(crate) table: Option<Spanned<String>>,
    /// `table` was written (possibly with an invalid value, already reported).
    pub(crate) table_written: bool,
    pub(crate) loader: Option<Spanned<String>>,
    pub(crate) order_by: Option<Spanned<String>>,
    /// `db = "sqlite" | "postgres" | "mysql"`: the SQL dialect, when several are enabled.
    pub(crate) db: Option<Spanned<String>>,
}

/// Options of a field attribute `#[batched(key | group, column = "...", order_by = "...")]`.
pub(crate) struct FieldOptions {
    /// `key` and `group`, in the order written (more than one is an error reported by `check`).
    pub(crate) roles: Vec<Spanned<Role>>,
    pub(crate) column: Option<Spanned<String>>,
    pub(crate) order_by: Option<Spanned<String>>,
    /// `pg_type = "citext"`: the PostgreSQL type of the key column, when it compares
    /// differently from the type sqlx binds for the Rust key type.
    pub(crate) pg_type: Option<Spanned<String>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// `#[batched(key)]`: unique column, one-to-one loader.
    Key,
    /// `#[batched(group)]`: non-unique column, one-to-many loader.
    Group,
}

impl Role {
    pub(crate) fn keyword(self) -> &'static str {
        match self {
            Role::Key => "key",
            Role::Group => "group",
        }
    }
}

pub(crate) fn container_options(attrs: &[Attribute], errors: &Errors) -> ContainerOptions {
    let mut table = Slot::new("table");
    let mut loader = Slot::new("loader");
    let mut order_by = Slot::new("order_by");
    let mut db = Slot::new("db");
    for_each_option(attrs, errors, |meta| {
        if meta.path.is_ident("table") {
            table.set_string(errors, &meta)?;
        } else if meta.path.is_ident("loader") {
            loader.set_string(errors, &meta)?;
        } else if meta.path.is_ident("order_by") {
            order_by.set_string(errors, &meta)?;
        } else if meta.path.is_ident("db") {
            db.set_string(errors, &meta)?;
        } else if is_field_option(&meta) {
            unknown(errors, &meta, "this option belongs on a field, not on the struct")?;
        } else {
            unknown(errors, &meta, "expected `table`, `loader`, `order_by` or `db` on the struct")?;
        }
        Ok(())
    });
    let table_written = table.written();
    ContainerOptions { table: table.get(), table_written, loader: loader.get(), order_by: order_by.get(), db: db.get() }
}

pub(crate) fn field_options(attrs: &[Attribute], errors: &Errors) -> FieldOptions {
    let mut key = Slot::new("key");
    let mut group = Slot::new("group");
    let mut column = Slot::new("column");
    let mut order_by = Slot::new("order_by");
    let mut pg_type = Slot::new("pg_type");
    let mut roles = Vec::new();
    for_each_option(attrs, errors, |meta| {
        if meta.path.is_ident("key") || meta.path.is_ident("group") {
            let (slot, role) =
                if meta.path.is_ident("key") { (&mut key, Role::Key) } else { (&mut group, Role::Group) };
            let span = meta.path.require_ident()?.span();
            if meta.input.peek(Token![=]) {
                // Report, skip the value, and keep the role: the loader is still stubbed.
                errors.error(
                    span,
                    format_args!("`{}` takes no value: write #[batched({})]", role.keyword(), role.keyword()),
                );
                meta.input.parse::<Token![=]>()?;
                meta.input.parse::<syn::Expr>()?;
            }
            let first = slot.value.is_none();
            slot.set(errors, span, (), span);
            if first {
                roles.push(Spanned { value: role, span, value_span: span });
            }
        } else if meta.path.is_ident("column") {
            column.set_string(errors, &meta)?;
        } else if meta.path.is_ident("order_by") {
            order_by.set_string(errors, &meta)?;
        } else if meta.path.is_ident("pg_type") {
            pg_type.set_string(errors, &meta)?;
        } else if ["table", "loader", "db"].iter().any(|name| meta.path.is_ident(name)) {
            unknown(errors, &meta, "this option belongs on the struct, not on a field")?;
        } else {
            unknown(errors, &meta, "expected `key`, `group`, `column`, `order_by` or `pg_type` on a field")?;
        }
        Ok(())
    });
    FieldOptions { roles, column: column.get(), order_by: order_by.get(), pg_type: pg_type.get() }
}

fn is_field_option(meta: &ParseNestedMeta<'_>) -> bool {
    ["key", "group", "column"].iter().any(|name| meta.path.is_ident(name))
}

/// Runs `parse` on every option of every `#[batched(...)]` attribute; a syntax error ends
/// that attribute only.
fn for_each_option(
    attrs: &[Attribute],
    errors: &Errors,
    mut parse: impl FnMut(ParseNestedMeta<'_>) -> syn::Result<()>,
) {
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("batched")) {
        if let Err(error) = attr.parse_nested_meta(&mut parse) {
            errors.syn_error(error);
        }
    }
}

/// Records an unknown option and skips its value so the options after it are still checked.
fn unknown(errors: &Errors, meta: &ParseNestedMeta<'_>, expected: &str) -> syn::Result<()> {
    let name = meta.path.get_ident().map_or_else(|| "?".to_owned(), ToString::to_string);
    errors.error(
        meta.path.get_ident().map_or_else(Span::call_site, syn::Ident::span),
        format_args!("unknown option `{name}` in #[batched(...)]: {expected}"),
    );
    if meta.input.peek(Token![=]) {
        meta.input.parse::<Token![=]>()?;
        meta.input.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let _nested;
        syn::parenthesized!(_nested in meta.input);
    }
    Ok(())
}
