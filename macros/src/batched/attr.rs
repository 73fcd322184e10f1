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

impl Slot<u64> {
    /// Sets a `name = 123` option (a non-negative integer literal).
    fn set_integer(&mut self, errors: &Errors, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
        let span = meta.path.require_ident()?.span();
        let expected =
            |span| syn::Error::new(span, format_args!("`{0}` takes a positive integer: write {0} = 30", self.name));
        self.written = true;
        let value = meta.value().map_err(|_| expected(span))?;
        let expression = value.parse::<syn::Expr>()?;
        match &expression {
            syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(literal), .. }) => match literal.base10_parse::<u64>() {
                Ok(number) => self.set(errors, span, number, literal.span()),
                Err(_) => errors.syn_error(expected(literal.span())),
            },
            other => errors.syn_error(expected(syn::spanned::Spanned::span(other))),
        }
        Ok(())
    }
}

/// Options of the container attribute `#[batched(table = "...", loader = "...", order_by = "...",
/// key(a, b), group(a, b), through(...))]`.
pub(crate) struct ContainerOptions {
    pub(crate) table: Option<Spanned<String>>,
    /// `table` was written (possibly with an invalid value, already reported).
    pub(crate) table_written: bool,
    pub(crate) loader: Option<Spanned<String>>,
    pub(crate) order_by: Option<Spanned<String>>,
    /// `db = "sqlite" | "postgres" | "mysql"`: the SQL dialect, when several are enabled.
    pub(crate) db: Option<Spanned<String>>,
    /// `key(a, b)` / `group(a, b)`: composite keys, in the order written.
    pub(crate) composites: Vec<Composite>,
    /// `through(table = "...", parent = "...", child = "...")`: many-to-many loaders.
    pub(crate) throughs: Vec<Through>,
}

/// `key(a, b, ...)` or `group(a, b, ...)` on the struct: one loader keyed by the tuple of
/// these fields, in this order.
pub(crate) struct Composite {
    /// `key` or `group`, spanned at the keyword.
    pub(crate) role: Spanned<Role>,
    /// The field names, as written.
    pub(crate) fields: Vec<syn::Ident>,
}

/// `through(table = "...", parent = "...", child = "...", target = "...", order_by = "...",
/// loader = "...")` on the struct: a loader of the struct's rows by the `parent` column of a
/// join table whose `child` column references the struct's `target` column.
pub(crate) struct Through {
    /// Span of the `through` keyword.
    pub(crate) span: Span,
    pub(crate) table: Option<Spanned<String>>,
    pub(crate) parent: Option<Spanned<String>>,
    pub(crate) child: Option<Spanned<String>>,
    /// Column of the struct's table the `child` column references (default: the primary key).
    pub(crate) target: Option<Spanned<String>>,
    /// Order column(s) of the join table (e.g. `position`), before the struct's own order.
    pub(crate) order_by: Option<Spanned<String>>,
    /// Full name of the loader type (default `{loader prefix}By{Parent}`).
    pub(crate) loader: Option<Spanned<String>>,
    /// Rust type of the parent key (default: the type of the target field).
    pub(crate) key_type: Option<Spanned<syn::Type>>,
}

/// Options of a field attribute `#[batched(key | group, column = "...", order_by = "...")]`.
pub(crate) struct FieldOptions {
    /// `key` and `group`, in the order written (more than one is an error reported by `check`).
    pub(crate) roles: Vec<Spanned<Role>>,
    pub(crate) column: Option<Spanned<String>>,
    pub(crate) order_by: Option<Spanned<String>>,
    /// `limit = N`: at most N rows per key (top-N per parent).
    pub(crate) limit: Option<Spanned<u64>>,
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
    let mut composites = Vec::new();
    let mut throughs = Vec::new();
    for_each_option(attrs, errors, |meta| {
        if (meta.path.is_ident("key") || meta.path.is_ident("group")) && meta.input.peek(syn::token::Paren) {
            composites.push(composite(&meta, errors)?);
        } else if meta.path.is_ident("through") {
            if let Some(through) = through(&meta, errors)? {
                throughs.push(through);
            }
        } else if meta.path.is_ident("table") {
            table.set_string(errors, &meta)?;
        } else if meta.path.is_ident("loader") {
            loader.set_string(errors, &meta)?;
        } else if meta.path.is_ident("order_by") {
            order_by.set_string(errors, &meta)?;
        } else if meta.path.is_ident("db") {
            db.set_string(errors, &meta)?;
        } else if meta.path.is_ident("key") || meta.path.is_ident("group") {
            let keyword = if meta.path.is_ident("key") { "key" } else { "group" };
            let message = format!(
                "on the struct, `{keyword}` declares a composite key and lists its fields: write #[batched({keyword}(a, b))]; \
                 for a single column, put #[batched({keyword})] on its field"
            );
            errors.error(meta.path.require_ident()?.span(), message);
            unknown_value(&meta)?;
        } else if is_field_option(&meta) {
            unknown(errors, &meta, "this option belongs on a field, not on the struct")?;
        } else {
            unknown(
                errors,
                &meta,
                "expected `table`, `loader`, `order_by`, `db`, `key(...)`, `group(...)` or `through(...)` on the struct",
            )?;
        }
        Ok(())
    });
    let table_written = table.written();
    ContainerOptions {
        table: table.get(),
        table_written,
        loader: loader.get(),
        order_by: order_by.get(),
        db: db.get(),
        composites,
        throughs,
    }
}

/// `key(a, b)` / `group(a, b)`: field names separated by commas.
fn composite(meta: &ParseNestedMeta<'_>, errors: &Errors) -> syn::Result<Composite> {
    let role = if meta.path.is_ident("key") { Role::Key } else { Role::Group };
    let span = meta.path.require_ident()?.span();
    let mut fields: Vec<syn::Ident> = Vec::new();
    meta.parse_nested_meta(|inner| {
        match inner.path.get_ident() {
            Some(ident) if fields.contains(ident) => errors
                .error(ident.span(), format_args!("`{ident}` is listed twice in this composite `{}`", role.keyword())),
            Some(ident) => fields.push(ident.clone()),
            None => errors.error(
                syn::spanned::Spanned::span(&inner.path),
                format_args!("`{}(...)` lists field names: write {}(a, b)", role.keyword(), role.keyword()),
            ),
        }
        if !inner.input.is_empty() && !inner.input.peek(Token![,]) {
            errors.error(
                inner.input.span(),
                format_args!("`{}(...)` lists field names only: write {}(a, b)", role.keyword(), role.keyword()),
            );
            inner.input.parse::<proc_macro2::TokenStream>()?;
        }
        Ok(())
    })?;
    Ok(Composite { role: Spanned { value: role, span, value_span: span }, fields })
}

/// `through(table = "...", parent = "...", child = "...", ...)`; `None` when it has no
/// parentheses (reported).
fn through(meta: &ParseNestedMeta<'_>, errors: &Errors) -> syn::Result<Option<Through>> {
    let span = meta.path.require_ident()?.span();
    if !meta.input.peek(syn::token::Paren) {
        errors.error(
            span,
            "`through` takes the join table and its columns: write through(table = \"...\", parent = \"...\", child = \"...\")",
        );
        unknown_value(meta)?;
        return Ok(None);
    }
    let mut table = Slot::new("table");
    let mut parent = Slot::new("parent");
    let mut child = Slot::new("child");
    let mut target = Slot::new("target");
    let mut order_by = Slot::new("order_by");
    let mut loader = Slot::new("loader");
    let mut key_type = Slot::<String>::new("key_type");
    meta.parse_nested_meta(|inner| {
        let slot = if inner.path.is_ident("table") {
            &mut table
        } else if inner.path.is_ident("parent") {
            &mut parent
        } else if inner.path.is_ident("child") {
            &mut child
        } else if inner.path.is_ident("target") {
            &mut target
        } else if inner.path.is_ident("order_by") {
            &mut order_by
        } else if inner.path.is_ident("loader") {
            &mut loader
        } else if inner.path.is_ident("key_type") {
            &mut key_type
        } else {
            return unknown(
                errors,
                &inner,
                "expected `table`, `parent`, `child`, `target`, `order_by`, `loader` or `key_type` in through(...)",
            );
        };
        slot.set_string(errors, &inner)
    })?;
    let key_type = key_type.get().and_then(|written| match syn::parse_str::<syn::Type>(&written.value) {
        Ok(ty) => Some(Spanned { value: ty, span: written.span, value_span: written.value_span }),
        Err(_) => {
            errors.error(
                written.value_span,
                format_args!("`key_type = {:?}` is not a Rust type: write e.g. key_type = \"i64\"", written.value),
            );
            None
        }
    });
    Ok(Some(Through {
        span,
        table: table.get(),
        parent: parent.get(),
        child: child.get(),
        target: target.get(),
        order_by: order_by.get(),
        loader: loader.get(),
        key_type,
    }))
}

pub(crate) fn field_options(attrs: &[Attribute], errors: &Errors) -> FieldOptions {
    let mut key = Slot::new("key");
    let mut group = Slot::new("group");
    let mut column = Slot::new("column");
    let mut order_by = Slot::new("order_by");
    let mut limit = Slot::new("limit");
    let mut pg_type = Slot::new("pg_type");
    let mut roles = Vec::new();
    for_each_option(attrs, errors, |meta| {
        if meta.path.is_ident("key") || meta.path.is_ident("group") {
            let (slot, role) =
                if meta.path.is_ident("key") { (&mut key, Role::Key) } else { (&mut group, Role::Group) };
            let span = meta.path.require_ident()?.span();
            if meta.input.peek(syn::token::Paren) {
                // Report, skip the list, and keep the role: the loader is still stubbed.
                errors.error(
                    span,
                    format_args!(
                        "a composite `{0}` is declared on the struct, not on a field: write #[batched({0}(a, b))] above the struct",
                        role.keyword()
                    ),
                );
                unknown_value(&meta)?;
            } else if meta.input.peek(Token![=]) {
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
        } else if meta.path.is_ident("limit") {
            limit.set_integer(errors, &meta)?;
        } else if meta.path.is_ident("pg_type") {
            pg_type.set_string(errors, &meta)?;
        } else if ["table", "loader", "db", "through"].iter().any(|name| meta.path.is_ident(name)) {
            unknown(errors, &meta, "this option belongs on the struct, not on a field")?;
        } else {
            unknown(errors, &meta, "expected `key`, `group`, `column`, `order_by`, `limit` or `pg_type` on a field")?;
        }
        Ok(())
    });
    FieldOptions { roles, column: column.get(), order_by: order_by.get(), limit: limit.get(), pg_type: pg_type.get() }
}

fn is_field_option(meta: &ParseNestedMeta<'_>) -> bool {
    ["column", "limit"].iter().any(|name| meta.path.is_ident(name))
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

/// Skips the value of an option (`= expr` or `(...)`), so the options after it are still read.
fn unknown_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.input.parse::<Token![=]>()?;
        meta.input.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        // Consume the whole list: tokens left in it would be reported as unexpected.
        let nested;
        syn::parenthesized!(nested in meta.input);
        nested.parse::<proc_macro2::TokenStream>()?;
    }
    Ok(())
}

/// Records an unknown option and skips its value so the options after it are still checked.
fn unknown(errors: &Errors, meta: &ParseNestedMeta<'_>, expected: &str) -> syn::Result<()> {
    let name = meta.path.get_ident().map_or_else(|| "?".to_owned(), ToString::to_string);
    errors.error(
        meta.path.get_ident().map_or_else(Span::call_site, syn::Ident::span),
        format_args!("unknown option `{name}` in #[batched(...)]: {expected}"),
    );
    unknown_value(meta)
}
