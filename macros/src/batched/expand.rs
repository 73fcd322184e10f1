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
    let vis = model.vis;
    let loader = model.loader_ident(field);
    let loader_name = loader.to_string();
    let query = quote::format_ident!("{}Query", loader);
    let key_type = field.key_type();
    let table = model.table.as_ref().map_or_else(String::new, |table| table.value.clone());
    let key_column = field.column();
    // The explicit `order_by` of a group loader (field, then container), for index suggestions;
    // unique loaders and the default primary-key order have none.
    let order_by = match role {
        Role::Group => super::expand_relations::first_order_column(
            field.order_by.as_ref().or(model.order_by.as_ref()).map(|order| order.value.as_str()),
        ),
        Role::Key => None,
    };
    let order_by = match order_by {
        Some(column) => quote!(::core::option::Option::Some(#column)),
        None => quote!(::core::option::Option::None),
    };
    let sql_text = match fetch {
        Fetch::Query => sql::statement(backend, model, &LoaderSpec::Single { field, role: spanned_role }),
        Fetch::Unreachable => String::new(),
    };
    let (shape, value_doc) = match role {
        Role::Key => (quote!(::batchload::__private::Unique), format!("Option<{row}>")),
        Role::Group => (quote!(::batchload::__private::Grouped), format!("Vec<{row}>")),
    };
    let key_of = if field.option_inner().is_some() {
        let ident = field.ident;
        quote!(::core::clone::Clone::clone(&__batchload_row.#ident))
    } else {
        let ident = field.ident;
        quote!(::core::option::Option::Some(::core::clone::Clone::clone(&__batchload_row.#ident)))
    };
    let database = match backend {
        Backend::Sqlite => quote!(::batchload::__private::Sqlite),
        Backend::Postgres => quote!(::batchload::__private::Postgres),
        Backend::Mysql => quote!(::batchload::__private::MySql),
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
            quote_spanned! {field.role_span()=>
                // sqlx's `query_as!` expansion names `sqlx::`, `String`, `Default` and `Into`
                // without absolute paths; bring the real ones into this block's scope so the
                // loader compiles under `#![no_implicit_prelude]` and next to shadowing items.
                #[allow(unused_imports)]
                use ::sqlx;
                #[allow(unused_imports)]
                use ::std::string::String;
                #[allow(unused_imports)]
                use ::core::default::Default as _;
                #[allow(unused_imports)]
                use ::core::convert::Into as _;
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
    let type_doc = format!(
        "Batched {kind} loader of [`{row}`] rows by `{table}.{key_column}`, generated by `#[derive(Batched)]`.\n\n\
         `load(key)` yields `Result<{value_doc}, batchload::Error>`; concurrent loads share one statement:\n\n\
         ```sql\n{sql_text}\n```\n\n\
         Dereferences to [`batchload::Loader`](::batchload::Loader), which documents `load`, `load_many`, \
         `load_opt`, `prime`, `clear` and the batching, cache, error and cancellation guarantees."
    );
    let query_doc = format!(
        "The statement of loader [`{loader_name}`] and its pool: implements \
         [`batchload::BatchQuery`](::batchload::BatchQuery) (`{loader_name}` is a loader over it), \
         generated by `#[derive(Batched)]`.\n\n```sql\n{sql_text}\n```"
    );
    quote! {
        #[doc = #query_doc]
        #vis struct #query {
            pool: ::batchload::__private::Pool<#database>,
        }

        impl #query {
            /// The statement over `pool`. Runs nothing.
            #vis fn new(pool: ::batchload::__private::Pool<#database>) -> Self {
                Self { pool }
            }
        }

        impl ::core::convert::From<::batchload::__private::Pool<#database>> for #query {
            fn from(pool: ::batchload::__private::Pool<#database>) -> Self {
                Self { pool }
            }
        }

        impl ::core::clone::Clone for #query {
            fn clone(&self) -> Self {
                Self { pool: ::core::clone::Clone::clone(&self.pool) }
            }
        }

        impl ::core::fmt::Debug for #query {
            fn fmt(&self, __batchload_f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Formatter::write_str(__batchload_f, #loader_name)
            }
        }

        impl ::batchload::__private::BatchQuery for #query {
            type Key = #key_type;
            type Row = #row;

            const LOADER: &'static str = #loader_name;
            const TABLE: &'static str = #table;
            const KEY_COLUMN: &'static str = #key_column;
            const SQL: &'static str = #sql_text;
            const DATABASE: &'static str = <#database as ::batchload::__private::SqlxDatabase>::NAME;
            const ORDER_BY: ::core::option::Option<&'static str> = #order_by;

            fn fetch<'a>(
                &'a self,
                __batchload_keys: &'a [Self::Key],
            ) -> ::batchload::__private::BoxFuture<
                'a,
                ::core::result::Result<::std::vec::Vec<Self::Row>, ::batchload::__private::SqlxError>,
            > {
                ::std::boxed::Box::pin(async move { #fetch_body })
            }

            fn key_of(&self, __batchload_row: &Self::Row) -> ::core::option::Option<Self::Key> {
                #key_of
            }
        }

        #[doc = #type_doc]
        #vis struct #loader(::batchload::__private::Loader<#query, #shape>);

        impl #loader {
            /// Name of this loader, as in errors and reports.
            #vis const LOADER: &'static str = #loader_name;
            /// Table the statement reads.
            #vis const TABLE: &'static str = #table;
            /// Column the keys are matched against.
            #vis const KEY_COLUMN: &'static str = #key_column;
            /// The exact SQL text of the statement (see the type's documentation).
            #vis const SQL: &'static str = #sql_text;

            /// A loader over `pool` with the default options (no delay, chunks of
            /// `batchload::DEFAULT_MAX_BATCH_SIZE` keys, cache on). Runs no statement.
            #vis fn new(pool: ::batchload::__private::Pool<#database>) -> Self {
                Self(::batchload::__private::Loader::new(#query { pool }))
            }

            /// A loader over `pool` with the given batching and cache `options`. Runs no statement.
            #vis fn with_options(
                pool: ::batchload::__private::Pool<#database>,
                options: ::batchload::__private::LoaderOptions,
            ) -> Self {
                Self(::batchload::__private::Loader::with_options(#query { pool }, options))
            }
        }

        impl ::core::clone::Clone for #loader {
            fn clone(&self) -> Self {
                Self(::core::clone::Clone::clone(&self.0))
            }
        }

        impl ::core::fmt::Debug for #loader {
            fn fmt(&self, __batchload_f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Debug::fmt(&self.0, __batchload_f)
            }
        }

        impl ::core::ops::Deref for #loader {
            type Target = ::batchload::__private::Loader<#query, #shape>;

            fn deref(&self) -> &Self::Target {
                &self.0
            }
        }

        // Registers the loader so N+1 findings on its table and column can name it.
        ::batchload::__private::inventory::submit! {
            ::batchload::__private::LoaderInfo::of::<#query, #shape>()
        }
    }
}
