//! Tokens for a valid `#[derive(Batched)]` input: one loader type per `key`/`group` field.
//!
//! Generated code names only absolute paths (`::batchload::__private`, `::core`, `::std`,
//! `::sqlx`), so it compiles under `#![no_implicit_prelude]` and next to user items that
//! shadow prelude names.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use super::ast::{Field, LoaderSpec, Model};
use super::attr::{Role, Spanned};
use super::backend::Backend;
use super::scaffold::{Parts, database, first_order_column, prelude, scaffold};
use super::sql::{self, KeyKind};

/// How the body of `BatchQuery::fetch` is generated.
pub(crate) enum Fetch {
    /// The real statement, through `::sqlx::query_as!`.
    Query,
    /// A body that never runs: the input had errors and only the types are needed.
    Unreachable,
}

pub(crate) fn expand(model: &Model<'_>, backend: Backend) -> TokenStream {
    let mut tokens: TokenStream =
        model.loader_fields().map(|(field, role)| loader(model, field, role, backend, &Fetch::Query)).collect();
    tokens.extend(super::expand_relations::expand(model, backend, &Fetch::Query));
    tokens
}

pub(crate) fn loader(
    model: &Model<'_>,
    field: &Field<'_>,
    spanned_role: &Spanned<Role>,
    backend: Backend,
    fetch: &Fetch,
) -> TokenStream {
    let role = spanned_role.value;
    let row = model.ident;
    let loader = model.loader_ident(field);
    let loader_name = loader.to_string();
    let key_type = field.key_type();
    let table = model.table.as_ref().map_or_else(String::new, |table| table.value.clone());
    let key_column = field.column();
    // The explicit `order_by` of a group loader (field, then container), for index suggestions;
    // unique loaders and the default primary-key order have none.
    let order_by = match role {
        Role::Group => {
            first_order_column(field.order_by.as_ref().or(model.order_by.as_ref()).map(|order| order.value.as_str()))
        }
        Role::Key => None,
    };
    let sql_text = match fetch {
        Fetch::Query => sql::statement(backend, model, &LoaderSpec::Single { field, role: spanned_role }),
        Fetch::Unreachable => String::new(),
    };
    let (shape, value_doc) = match role {
        Role::Key => (quote!(::batchload::__private::Unique), format!("Option<{row}>")),
        Role::Group => (quote!(::batchload::__private::Grouped), format!("Vec<{row}>")),
    };
    let ident = field.ident;
    let key_of = if field.option_inner().is_some() {
        quote!(::core::clone::Clone::clone(&__batchload_row.#ident))
    } else {
        quote!(::core::option::Option::Some(::core::clone::Clone::clone(&__batchload_row.#ident)))
    };
    let fetch_body = match fetch {
        Fetch::Query => {
            let sql_literal = syn::LitStr::new(&sql_text, field.role_span());
            // PostgreSQL binds the key slice itself (sqlx checks it against the column's array
            // type); SQLite and MySQL bind one JSON array, written by the key type's `JsonKey`
            // impl, whose encoding must be the one this statement reads back.
            let key_argument = if backend == Backend::Postgres && KeyKind::of(key_type) == KeyKind::Other {
                quote!(__batchload_keys as &[#key_type])
            } else {
                quote!(__batchload_keys)
            };
            let bind = match backend {
                // A key type sqlx has no built-in mapping for (an enum, a domain) is bound with
                // a type override: sqlx then skips its parameter check and the value goes out
                // with the key type's own array type (`mood[]`), never as text.
                Backend::Postgres => TokenStream::new(),
                Backend::Sqlite | Backend::Mysql => {
                    let encoding = syn::Ident::new(KeyKind::of(key_type).encoding(), field.role_span());
                    let message = format!(
                        "the key type of loader `{loader_name}` is written into the JSON key list differently from how its statement reads it back: write the field type as one of {}",
                        sql::SUPPORTED_JSON_KEYS
                    );
                    quote_spanned! {field.role_span()=>
                        const _: () = ::core::assert!(
                            <#key_type as ::batchload::__private::JsonKey>::ENCODING as u8
                                == ::batchload::__private::KeyEncoding::#encoding as u8,
                            #message
                        );
                        let __batchload_keys = ::batchload::__private::json_keys(__batchload_keys);
                    }
                }
            };
            // sqlx's `query_as!` expansion names `sqlx::`, `String`, `Default` and `Into`
            // without absolute paths; bring the real ones into this block's scope so the
            // loader compiles under `#![no_implicit_prelude]` and next to shadowing items.
            let prelude = prelude(field.role_span());
            quote_spanned! {field.role_span()=>
                #prelude
                #bind
                ::sqlx::query_as!(#row, #sql_literal, #key_argument).fetch_all(&self.pool).await
            }
        }
        Fetch::Unreachable => quote!(::core::unreachable!("invalid #[derive(Batched)] input")),
    };
    let kind = match role {
        Role::Key => "one-to-one",
        Role::Group => "one-to-many",
    };
    let doc = format!(
        "Batched {kind} loader of [`{row}`] rows by `{table}.{key_column}`, generated by `#[derive(Batched)]`.\n\n\
         `load(key)` yields `Result<{value_doc}, batchload::Error>`; concurrent loads share one statement:\n\n\
         ```sql\n{sql_text}\n```"
    );
    scaffold(&Parts {
        model,
        loader,
        key_type: quote!(#key_type),
        row_type: quote!(#row),
        shape,
        database: database(backend),
        table,
        key_column,
        order_by,
        sql: sql_text,
        fetch_body,
        key_of,
        doc,
    })
}
