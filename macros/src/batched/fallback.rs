//! Stub loader types for an invalid input: the user's code that names `BotStanceByBotId`
//! still type-checks, so one mistake in the attributes gives one error, not dozens.

use proc_macro2::TokenStream;

use super::ast::Model;
use super::backend::Backend;
use super::expand::{self, Fetch};

/// Stubs for the loaders of `model`; `backend` is the resolved database, or `None` when it
/// could not be decided (the stubs then use the first enabled one).
pub(crate) fn expand(model: &Model<'_>, backend: Option<Backend>) -> TokenStream {
    let backend = backend.unwrap_or_else(Backend::first_enabled);
    if !model.generics.params.is_empty() {
        // A stub would have to name the struct without its generic arguments.
        return TokenStream::new();
    }
    let mut tokens: TokenStream = model
        .loader_fields()
        .map(|(field, role)| expand::loader(model, field, role, backend, &Fetch::Unreachable))
        .collect();
    tokens.extend(super::expand_relations::expand(model, backend, &Fetch::Unreachable));
    tokens
}
