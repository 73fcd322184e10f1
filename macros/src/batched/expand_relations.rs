//! Tokens for the relation loaders: composite keys (`key(a, b)`, `group(a, b)`) and
//! many-to-many (`through(...)`). Each is a `{Loader}Query` type implementing `BatchQuery`
//! (holding the pool) and a `{Loader}` newtype over `batchload::Loader`, like single-field
//! loaders. Top-N loaders are single-field group loaders with another statement (`expand`).
//!
//! Generated code names only absolute paths, as in `expand`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;

use super::ast::{Field, LoaderSpec, Model};
use super::attr::{Composite, Role, Through};
use super::backend::Backend;
use super::expand::Fetch;
use super::scaffold::{Parts, database, first_order_column, prelude, scaffold};
use super::sql::{self, KeyKind};

/// The relation loaders of `model`.
/// A loader whose name an earlier one already has (a spanned error, reported by `check`) is
/// left out, so the stubs do not add "defined multiple times" errors.
pub(crate) fn expand(model: &Model<'_>, backend: Backend, fetch: &Fetch) -> TokenStream {
    let mut names: Vec<Ident> = model.loader_fields().map(|(field, _)| model.loader_ident(field)).collect();
    let mut tokens = TokenStream::new();
    for spec in model.loaders() {
        if matches!(spec, LoaderSpec::Single { .. }) {
            continue;
        }
        let name = model.spec_ident(&spec);
        if names.contains(&name) {
            continue;
        }
        names.push(name);
        tokens.extend(match &spec {
            LoaderSpec::Single { .. } => TokenStream::new(),
            LoaderSpec::Composite { composite, fields } => {
                composite_loader(model, &spec, composite, fields, backend, fetch)
            }
            LoaderSpec::Through { through, target } => through_loader(model, &spec, through, target, backend, fetch),
        });
    }
    tokens
}

/// A compile-time check that `ty` is written into the JSON key list the way the statement
/// reads it back (`kind`).
fn encoding_check(ty: &syn::Type, kind: KeyKind, loader: &str, span: Span) -> TokenStream {
    let encoding = Ident::new(kind.encoding(), span);
    let message = format!(
        "a key type of loader `{loader}` is written into the JSON key list differently from how its statement reads it back: write the field type as one of {}",
        sql::SUPPORTED_JSON_KEYS
    );
    quote_spanned! {span=>
        const _: () = ::core::assert!(
            <#ty as ::batchload::__private::JsonKey>::ENCODING as u8
                == ::batchload::__private::KeyEncoding::#encoding as u8,
            #message
        );
    }
}

fn composite_loader(
    model: &Model<'_>,
    spec: &LoaderSpec<'_, '_>,
    composite: &Composite,
    fields: &[&Field<'_>],
    backend: Backend,
    fetch: &Fetch,
) -> TokenStream {
    let row = model.ident;
    let loader = model.composite_ident(composite);
    let loader_name = loader.to_string();
    let span = composite.role.span;
    let key_types: Vec<&syn::Type> = fields.iter().map(|field| field.key_type()).collect();
    let sql_text = match fetch {
        Fetch::Query => sql::statement(backend, model, spec),
        Fetch::Unreachable => String::new(),
    };
    let fetch_body = match fetch {
        Fetch::Query => {
            let sql_literal = syn::LitStr::new(&sql_text, span);
            let checks = fields
                .iter()
                .map(|field| encoding_check(field.key_type(), KeyKind::of(field.key_type()), &loader_name, span));
            let prelude = prelude(span);
            quote_spanned! {span=>
                #prelude
                #(#checks)*
                let __batchload_keys = ::batchload::__private::json_keys(__batchload_keys);
                ::sqlx::query_as!(#row, #sql_literal, __batchload_keys).fetch_all(&self.pool).await
            }
        }
        Fetch::Unreachable => quote!(::core::unreachable!("invalid #[derive(Batched)] input")),
    };
    // `?` on a NULL (`None`) element: such a row matches no key.
    let elements = fields.iter().map(|field| {
        let ident = field.ident;
        if field.option_inner().is_some() {
            quote!(::core::clone::Clone::clone(&__batchload_row.#ident)?)
        } else {
            quote!(::core::clone::Clone::clone(&__batchload_row.#ident))
        }
    });
    let columns: Vec<String> = fields.iter().map(|field| field.column()).collect();
    let names: Vec<String> = fields.iter().map(|field| field.name()).collect();
    let (shape, value_doc, kind) = match composite.role.value {
        Role::Key => (quote!(::batchload::__private::Unique), format!("Option<{row}>"), "one-to-one"),
        Role::Group => (quote!(::batchload::__private::Grouped), format!("Vec<{row}>"), "one-to-many"),
    };
    let order_by = match composite.role.value {
        Role::Group => first_order_column(model.order_by.as_ref().map(|order| order.value.as_str())),
        Role::Key => None,
    };
    scaffold(&Parts {
        model,
        loader,
        key_type: quote!((#(#key_types,)*)),
        row_type: quote!(#row),
        shape,
        database: database(backend),
        table: model.table.as_ref().map_or_else(String::new, |table| table.value.clone()),
        // Every key column, in key order (`"topic_id, bot_id"`): the index advisor accepts an
        // index led by any of them; the N+1 advice never names it for a one-column read.
        key_column: columns.join(", "),
        order_by,
        sql: sql_text.clone(),
        fetch_body,
        key_of: quote!(::core::option::Option::Some((#(#elements,)*))),
        doc: format!(
            "Batched {kind} loader of [`{row}`] rows by the composite key `({})` (columns `{}.({})`), generated by \
             `#[derive(Batched)]`.\n\n`load(({}))` yields `Result<{value_doc}, batchload::Error>`; concurrent loads \
             share one statement, whose one parameter is the JSON array of the key tuples:\n\n```sql\n{sql_text}\n```",
            names.join(", "),
            model.table.as_ref().map_or("", |table| table.value.as_str()),
            columns.join(", "),
            names.join(", "),
        ),
    })
}

fn through_loader(
    model: &Model<'_>,
    spec: &LoaderSpec<'_, '_>,
    through: &Through,
    target: &Field<'_>,
    backend: Backend,
    fetch: &Fetch,
) -> TokenStream {
    let row = model.ident;
    let loader = model.through_ident(through);
    let loader_name = loader.to_string();
    let span = through.span;
    let key_type = spec.single_key_type().unwrap_or(target.key_type());
    let kind = KeyKind::of(key_type);
    let sql_text = match fetch {
        Fetch::Query => sql::statement(backend, model, spec),
        Fetch::Unreachable => String::new(),
    };
    let parent_field = format_ident!("{}", sql::PARENT_ALIAS);
    let fetch_body = match fetch {
        Fetch::Query => {
            let sql_literal = syn::LitStr::new(&sql_text, span);
            let prelude = prelude(span);
            let bind = match backend {
                Backend::Postgres => TokenStream::new(),
                Backend::Sqlite | Backend::Mysql => {
                    let check = encoding_check(key_type, kind, &loader_name, span);
                    quote_spanned! {span=>
                        #check
                        let __batchload_keys = ::batchload::__private::json_keys(__batchload_keys);
                    }
                }
            };
            let idents: Vec<&Ident> = model.fields.iter().map(|field| field.ident).collect();
            let types: Vec<&syn::Type> = model.fields.iter().map(|field| field.ty).collect();
            quote_spanned! {span=>
                #prelude
                // The statement's row: the parent key beside the struct's columns.
                struct __BatchloadLinked {
                    #parent_field: #key_type,
                    #(#idents: #types,)*
                }
                #bind
                let __batchload_rows = ::sqlx::query_as!(__BatchloadLinked, #sql_literal, __batchload_keys)
                    .fetch_all(&self.pool)
                    .await?;
                ::core::result::Result::Ok(
                    ::core::iter::Iterator::collect(::core::iter::Iterator::map(
                        ::core::iter::IntoIterator::into_iter(__batchload_rows),
                        |__batchload_linked| ::batchload::__private::Linked {
                            parent: __batchload_linked.#parent_field,
                            row: #row { #(#idents: __batchload_linked.#idents,)* },
                        },
                    )),
                )
            }
        }
        Fetch::Unreachable => quote!(::core::unreachable!("invalid #[derive(Batched)] input")),
    };
    let text = |value: &Option<super::attr::Spanned<String>>| value.as_ref().map(|value| value.value.clone());
    let join_table = text(&through.table).unwrap_or_default();
    let parent = text(&through.parent).unwrap_or_default();
    let child = text(&through.child).unwrap_or_default();
    scaffold(&Parts {
        model,
        loader,
        key_type: quote!(#key_type),
        row_type: quote!(::batchload::__private::Linked<#key_type, #row>),
        shape: quote!(::batchload::__private::Through),
        database: database(backend),
        // The statement filters the join table on its parent column: the advisor checks that.
        table: join_table.clone(),
        key_column: parent.clone(),
        order_by: first_order_column(through.order_by.as_ref().map(|order| order.value.as_str())),
        sql: sql_text.clone(),
        fetch_body,
        key_of: quote!(::core::option::Option::Some(::core::clone::Clone::clone(&__batchload_row.parent))),
        doc: format!(
            "Batched many-to-many loader of [`{row}`] rows by `{join_table}.{parent}` (join table `{join_table}`, \
             whose `{child}` references `{}`), generated by `#[derive(Batched)]`.\n\n`load(parent)` yields \
             `Result<Vec<{row}>, batchload::Error>` (empty for a parent with no rows); concurrent loads share one \
             statement:\n\n```sql\n{sql_text}\n```",
            target.column(),
        ),
    })
}
