//! Stub loader types for an invalid input: the user's code that names `BotStanceByBotId`
//! still type-checks, so one mistake in the attributes gives one error, not dozens.

use proc_macro2::TokenStream;

use super::ast::Model;
use super::expand::{self, Fetch};

pub(crate) fn expand(model: &Model<'_>) -> TokenStream {
    if !model.generics.params.is_empty() {
        // A stub would have to name the struct without its generic arguments.
        return TokenStream::new();
    }
    model.loader_fields().map(|(field, role)| expand::loader(model, field, role.value, &Fetch::Unreachable)).collect()
}
