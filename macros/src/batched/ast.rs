//! The internal model of a `#[derive(Batched)]` input, parsed leniently: every option that
//! can be read is kept, and every mistake is recorded in `Errors` for `check` and the
//! fallback.

use proc_macro2::Span;
use syn::{Data, DeriveInput, Fields, GenericArgument, Ident, PathArguments, Type, Visibility};

use super::attr::{self, Composite, Role, Spanned, Through};
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
    /// `key(a, b)` / `group(a, b)` declarations on the struct.
    pub(crate) composites: Vec<Composite>,
    /// `through(...)` declarations on the struct.
    pub(crate) throughs: Vec<Through>,
}

pub(crate) struct Field<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) ty: &'a Type,
    /// `key` / `group` markers in the order written.
    pub(crate) roles: Vec<Spanned<Role>>,
    pub(crate) column: Option<Spanned<String>>,
    pub(crate) order_by: Option<Spanned<String>>,
    /// `limit = N` (top-N per key).
    pub(crate) limit: Option<Spanned<u64>>,
    /// `#[batched(pg_type = "...")]`: the key list is cast to this type's array on PostgreSQL.
    pub(crate) pg_type: Option<Spanned<String>>,
}

/// A column of an `order_by` list and its direction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OrderTerm {
    pub(crate) column: String,
    /// `Some("ASC")` / `Some("DESC")` as written (upper-cased); `None` when not written.
    pub(crate) direction: Option<&'static str>,
}

/// Parses `"created_at DESC, id"`; `None` when a term is not `column [ASC|DESC]` with a plain
/// identifier (the caller reports it).
pub(crate) fn order_terms(text: &str) -> Option<Vec<OrderTerm>> {
    text.split(',')
        .map(|term| {
            let mut words = term.split_whitespace();
            let column = words.next()?;
            let direction = match words.next() {
                None => None,
                Some(word) if word.eq_ignore_ascii_case("asc") => Some("ASC"),
                Some(word) if word.eq_ignore_ascii_case("desc") => Some("DESC"),
                Some(_) => return None,
            };
            if words.next().is_some() || !super::check::is_identifier(column) {
                return None;
            }
            Some(OrderTerm { column: column.to_owned(), direction })
        })
        .collect()
}

/// One loader to generate.
pub(crate) enum LoaderSpec<'m, 'a> {
    /// `#[batched(key)]` / `#[batched(group)]` on one field (with `limit` for top-N).
    Single { field: &'m Field<'a>, role: &'m Spanned<Role> },
    /// `key(a, b)` / `group(a, b)` on the struct, with its fields in the written order.
    Composite { composite: &'m Composite, fields: Vec<&'m Field<'a>> },
    /// `through(...)` on the struct, with the field its `child` column references.
    Through { through: &'m Through, target: &'m Field<'a> },
}

impl LoaderSpec<'_, '_> {
    /// The Rust type of one key of a single-field or many-to-many loader; `None` for
    /// composite loaders, whose key is the tuple of their fields' key types.
    pub(crate) fn single_key_type(&self) -> Option<&Type> {
        match self {
            LoaderSpec::Single { field, .. } => Some(field.key_type()),
            LoaderSpec::Composite { .. } => None,
            LoaderSpec::Through { through, target } => {
                Some(through.key_type.as_ref().map_or_else(|| target.key_type(), |key_type| &key_type.value))
            }
        }
    }
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
                    limit: options.limit,
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
            composites: container.composites,
            throughs: container.throughs,
        })
    }

    /// Every loader to generate: single-field ones in field order, then composite ones, then
    /// many-to-many ones, in the order written. Declarations that name missing fields are left
    /// out (`check` reports them).
    pub(crate) fn loaders(&self) -> Vec<LoaderSpec<'_, 'a>> {
        let mut loaders: Vec<LoaderSpec<'_, 'a>> =
            self.loader_fields().map(|(field, role)| LoaderSpec::Single { field, role }).collect();
        // A composite of fewer than two fields is an error (`check`) and gets no loader.
        for composite in self.composites.iter().filter(|composite| composite.fields.len() >= 2) {
            if let Some(fields) = composite.fields.iter().map(|name| self.field_named(name)).collect() {
                loaders.push(LoaderSpec::Composite { composite, fields });
            }
        }
        for through in &self.throughs {
            if let Some(target) = self.through_target(through) {
                loaders.push(LoaderSpec::Through { through, target });
            }
        }
        loaders
    }

    /// The field called `name` (the Rust name, without `r#`).
    pub(crate) fn field_named(&self, name: &Ident) -> Option<&Field<'a>> {
        let name = name.to_string();
        let name = name.strip_prefix("r#").unwrap_or(&name);
        self.fields.iter().find(|field| field.name() == name)
    }

    /// The field a `through`'s `child` column references: the one read from column `target`,
    /// else the primary key.
    pub(crate) fn through_target(&self, through: &Through) -> Option<&Field<'a>> {
        match &through.target {
            Some(target) => self.fields.iter().find(|field| field.column() == target.value),
            None => self.primary_key(),
        }
    }

    /// Columns that make row order deterministic after an `order_by`: the primary key
    /// column, else the first composite `key(...)`'s columns.
    pub(crate) fn tie_breaker(&self) -> Vec<String> {
        if let Some(primary_key) = self.primary_key() {
            return vec![primary_key.column()];
        }
        self.composites
            .iter()
            .filter(|composite| composite.role.value == Role::Key)
            .find_map(|composite| {
                composite
                    .fields
                    .iter()
                    .map(|name| self.field_named(name).map(Field::column))
                    .collect::<Option<Vec<_>>>()
            })
            .unwrap_or_default()
    }

    /// Prefix of loader names: `loader = "..."` when valid, else the struct name.
    fn prefix(&self) -> String {
        self.loader_prefix
            .as_ref()
            .filter(|prefix| super::check::is_loader_prefix(&prefix.value))
            .map_or_else(|| self.ident.to_string(), |prefix| prefix.value.clone())
    }

    /// Name of a composite loader: `{prefix}By{A}And{B}`.
    pub(crate) fn composite_ident(&self, composite: &Composite) -> Ident {
        let names = composite.fields.iter().map(|name| camel_case(&name.to_string())).collect::<Vec<_>>();
        Ident::new(&format!("{}By{}", self.prefix(), names.join("And")), composite.role.span)
    }

    /// Name of a many-to-many loader: `loader = "..."` of the `through`, else
    /// `{prefix}By{Parent}`.
    pub(crate) fn through_ident(&self, through: &Through) -> Ident {
        let name = through
            .loader
            .as_ref()
            .filter(|loader| super::check::is_loader_prefix(&loader.value))
            .map(|loader| loader.value.clone());
        let parent = through.parent.as_ref().map_or("parent", |parent| parent.value.as_str());
        let name = name
            .or_else(|| Some(format!("{}By{}", self.prefix(), camel_case(parent))))
            .filter(|name| super::check::is_loader_prefix(name))
            .unwrap_or_else(|| format!("{}ByParent", self.prefix()));
        Ident::new(&name, through.span)
    }

    /// Name of the loader generated for `spec`.
    pub(crate) fn spec_ident(&self, spec: &LoaderSpec<'_, '_>) -> Ident {
        match spec {
            LoaderSpec::Single { field, .. } => self.loader_ident(field),
            LoaderSpec::Composite { composite, .. } => self.composite_ident(composite),
            LoaderSpec::Through { through, .. } => self.through_ident(through),
        }
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
        Ident::new(&format!("{}By{}", self.prefix(), camel_case(&field.name())), field.ident.span())
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
