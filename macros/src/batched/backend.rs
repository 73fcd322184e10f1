//! Which database a derive generates SQL for: `#[batched(db = "...")]`, else the crate's
//! `[package.metadata.batchload] database = "..."`, else the single database feature enabled
//! on `batchload`.

use std::path::Path;

use proc_macro2::Span;

use super::ast::Model;
use super::ctxt::Errors;

/// A supported database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Backend {
    Sqlite,
    Postgres,
    Mysql,
}

impl Backend {
    const ALL: [Backend; 3] = [Backend::Sqlite, Backend::Postgres, Backend::Mysql];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::Mysql => "mysql",
        }
    }

    /// The first enabled backend (SQLite when none is), for stubs of invalid input.
    pub(crate) fn first_enabled() -> Self {
        Self::ALL.into_iter().find(|backend| backend.enabled()).unwrap_or(Backend::Sqlite)
    }

    fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|backend| backend.name() == name)
    }

    /// Whether `batchload` was built with this database's feature (forwarded to this crate).
    fn enabled(self) -> bool {
        match self {
            Backend::Sqlite => cfg!(feature = "sqlite"),
            Backend::Postgres => cfg!(feature = "postgres"),
            Backend::Mysql => cfg!(feature = "mysql"),
        }
    }
}

fn enabled_list() -> String {
    let enabled: Vec<_> = Backend::ALL.into_iter().filter(|backend| backend.enabled()).map(Backend::name).collect();
    if enabled.is_empty() { "none".to_owned() } else { enabled.join(", ") }
}

/// Resolves the backend of `model`; `None` (with an error recorded) when it cannot be decided.
pub(crate) fn resolve(model: &Model<'_>, errors: &Errors) -> Option<Backend> {
    let (name, span, origin) = if let Some(db) = &model.db {
        (db.value.clone(), db.value_span, "#[batched(db = ...)]")
    } else {
        match crate_choice() {
            Ok(Some(name)) => (name, model.ident.span(), "[package.metadata.batchload] database in Cargo.toml"),
            Ok(None) => return single_enabled(model.ident.span(), errors),
            Err(message) => {
                errors.error(model.ident.span(), message);
                return None;
            }
        }
    };
    let Some(backend) = Backend::parse(&name) else {
        errors.error(
            span,
            format_args!("unknown database {name:?} in {origin}: expected \"sqlite\", \"postgres\" or \"mysql\""),
        );
        return None;
    };
    if !backend.enabled() {
        errors.error(
            span,
            format_args!(
                "database {name:?} is chosen by {origin} but the `{name}` feature of batchload is not enabled (enabled: {}): add it to the batchload dependency in Cargo.toml",
                enabled_list()
            ),
        );
        return None;
    }
    Some(backend)
}

fn single_enabled(span: Span, errors: &Errors) -> Option<Backend> {
    let enabled: Vec<Backend> = Backend::ALL.into_iter().filter(|backend| backend.enabled()).collect();
    match enabled.as_slice() {
        [backend] => Some(*backend),
        [] => {
            errors.error(
                span,
                "no database feature is enabled on batchload: enable one of `sqlite`, `postgres` or `mysql`",
            );
            None
        }
        _ => {
            errors.error(
                span,
                format_args!(
                    "several database features are enabled on batchload ({}), so the SQL dialect is ambiguous: \
                     add #[batched(db = \"postgres\")] (or \"sqlite\", \"mysql\") on this struct, or set \
                     `[package.metadata.batchload] database = \"postgres\"` in this crate's Cargo.toml",
                    enabled_list()
                ),
            );
            None
        }
    }
}

/// `[package.metadata.batchload] database` of the crate being compiled, if set.
fn crate_choice() -> Result<Option<String>, String> {
    let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR") else { return Ok(None) };
    let path = Path::new(&dir).join("Cargo.toml");
    let Ok(text) = std::fs::read_to_string(&path) else { return Ok(None) };
    let manifest: toml::Table = text.parse().map_err(|error| format!("cannot parse {}: {error}", path.display()))?;
    let choice = manifest
        .get("package")
        .and_then(|package| package.get("metadata"))
        .and_then(|metadata| metadata.get("batchload"))
        .and_then(|batchload| batchload.get("database"));
    match choice {
        None => Ok(None),
        Some(toml::Value::String(name)) => Ok(Some(name.clone())),
        Some(other) => Err(format!(
            "`[package.metadata.batchload] database` in {} must be a string such as \"postgres\", found a {}",
            path.display(),
            other.type_str()
        )),
    }
}
