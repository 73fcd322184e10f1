//! `#[derive(Batched)]`: parse (`ast`, `attr`) -> validate (`check`), pick the database
//! (`backend`) -> generate SQL (`sql`, one module per dialect)
//! -> generate tokens (`expand`, `expand_relations`); on invalid input, `fallback` stubs the loader types so one
//! mistake gives one error.

mod ast;
mod attr;
mod backend;
mod check;
mod check_relations;
mod ctxt;
mod expand;
mod expand_relations;
mod fallback;
mod scaffold;
mod sql;

use proc_macro2::TokenStream;

/// Entry point of the derive.
pub(crate) fn derive(input: &syn::DeriveInput) -> TokenStream {
    let errors = ctxt::Errors::new();
    let Some(model) = ast::Model::from_syn(input, &errors) else {
        return errors.into_compile_errors();
    };
    check::check(&model, &errors);
    let backend = backend::resolve(&model, &errors);
    if let Some(backend) = backend {
        check::check_keys(&model, backend, &errors);
        check_relations::check_keys(&model, backend, &errors);
    }
    match backend {
        Some(backend) if errors.is_empty() => expand::expand(&model, backend),
        _ => {
            let mut tokens = errors.into_compile_errors();
            tokens.extend(fallback::expand(&model, backend));
            tokens
        }
    }
}
