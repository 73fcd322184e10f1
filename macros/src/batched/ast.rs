//! The internal model of a `#[derive(Batched)]` input, parsed leniently: every option that
//! can be read is kept, and every mistake is recorded in `Errors` for `check` and the
//! fallback.

use proc_macro2::Span;
use syn::{Data, DeriveInput, Fields, GenericArgument, Ident, PathArguments, Type, Visibility};

use super::attr::{self, Role, Spanned};
use super::ctxt::Errors;

pub(crate) struct Model<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) vis: &'a Visibility,
    pub(crate) generics: &'a syn::Generics,
    pub(crate) table: Option<Spanned<String>>,
    /// `table` was written, even with an invalid value (so "missing table" is not reported).
    pub(crate) table_written: bool,
    pub(crate) loader_prefix: Option<Spanned<String>>,
    pub(crate) order_by: Option<Spanned<String>>,
    /// `#[batched(db = "...")]`, resolved by `backend::resolve`.
    pub(crate) db: Option<Spanned<String>>,
    pub(crate) fields: Vec<Field<'a>>,
}

pub(crate) struct Field<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) ty: &'a Type,
    /// `key` / `group` markers in the order written.
    pub(crate) roles: Vec<Spanned<Role>>,
    pub(crate) column: Option<Spanned<String>>,
    pub(crate) order_by: Option<Spanned<String>>,
    /// `#[batched(pg_type = "...")]`: the key list is cast to this type's array on PostgreSQL.
    pub(crate) pg_type: Option<Spanned<String>>,
}

impl<'a> Model<'a> {
    /// Reads a derive input; `None` (with an error recorded) when it is not a struct with
    /// named fields, since no loader can be generated for it.
    pub(crate) fn from_syn(input: &'a DeriveInput, errors: &Errors) -> Option<Self> {
        let fields = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => named,
                Fields::Unnamed(unnamed) => {
                    errors.error(
                        unnamed.paren_token.span.join(),
                        "#[derive(Batched)] needs a struct with named fields, not a tuple struct: each field is a column of the row, named like it",
                    );
                    return None;
                }
                Fields::Unit => {
                    errors.error(
                        input.ident.span(),
                        "#[derive(Batched)] needs a struct with named fields, not a unit struct: each field is a column of the row",
                    );
                    return None;
                }
            },
            Data::Enum(data) => {
                errors.error(
                    data.enum_token.span,
                    "#[derive(Batched)] works on row structs with named fields, not enums",
                );
                return None;
            }
            Data::Union(data) => {
                errors.error(
                    data.union_token.span,
                    "#[derive(Batched)] works on row structs with named fields, not unions",
                );
                return None;
            }
        };
        let container = attr::container_options(&input.attrs, errors);
        let fields = fields
            .named
            .iter()
            .filter_map(|field| {
                let ident = field.ident.as_ref()?;
                let options = attr::field_options(&field.attrs, errors);
                Some(Field {
                    ident,
                    ty: &field.ty,
                    roles: options.roles,
                    column: options.column,
                    order_by: options.order_by,
                    pg_type: options.pg_type,
                })
            })
            .collect();
        Some(Model {
            ident: &input.ident,
            vis: &input.vis,
            generics: &input.generics,
            table: container.table,
            table_written: container.table_written,
            loader_prefix: container.loader,
            order_by: container.order_by,
            db: container.db,
            fields,
        })
    }

    /// Fields that get a loader, with their role (the first one written, if several).
    pub(crate) fn loader_fields(&self) -> impl Iterator<Item = (&Field<'a>, &Spanned<Role>)> {
        self.fields.iter().filter_map(|field| field.roles.first().map(|role| (field, role)))
    }

    /// The primary key field: the first `#[batched(key)]` field.
    pub(crate) fn primary_key(&self) -> Option<&Field<'a>> {
        self.fields.iter().find(|field| field.roles.iter().any(|role| role.value == Role::Key))
    }

    /// Name of a generated loader: `{prefix}By{FieldInCamelCase}`, prefix defaulting to the
    /// struct name. An invalid prefix (an error reported by `check`) is ignored here, so the
    /// fallback can still name its stubs instead of panicking.
    pub(crate) fn loader_ident(&self, field: &Field<'_>) -> Ident {
        let prefix = self
            .loader_prefix
            .as_ref()
            .filter(|prefix| super::check::is_loader_prefix(&prefix.value))
            .map_or_else(|| self.ident.to_string(), |prefix| prefix.value.clone());
        Ident::new(&format!("{prefix}By{}", camel_case(&field.name())), field.ident.span())
    }
}

impl Field<'_> {
    /// The field name without a raw-identifier prefix.
    pub(crate) fn name(&self) -> String {
        let name = self.ident.to_string();
        name.strip_prefix("r#").map_or(name.clone(), str::to_owned)
    }

    /// The column the field is read from.
    pub(crate) fn column(&self) -> String {
        self.column.as_ref().map_or_else(|| self.name(), |column| column.value.clone())
    }

    /// `T` for a field of type `Option<T>` (a nullable key column).
    pub(crate) fn option_inner(&self) -> Option<&Type> {
        let Type::Path(path) = self.ty else { return None };
        let segment = path.path.segments.last()?;
        if segment.ident != "Option" {
            return None;
        }
        let PathArguments::AngleBracketed(arguments) = &segment.arguments else { return None };
        match arguments.args.first()? {
            GenericArgument::Type(inner) if arguments.args.len() == 1 => Some(inner),
            _ => None,
        }
    }

    /// The loader key type: the field type without `Option`.
    pub(crate) fn key_type(&self) -> &Type {
        self.option_inner().unwrap_or(self.ty)
    }

    /// Span of the `key`/`group` marker; generated statements are spanned here so sqlx's
    /// errors point at the attribute that asked for the loader.
    pub(crate) fn role_span(&self) -> Span {
        self.roles.first().map_or_else(|| self.ident.span(), |role| role.span)
    }
}

fn camel_case(snake: &str) -> String {
    snake
        .split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|first| first.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}
