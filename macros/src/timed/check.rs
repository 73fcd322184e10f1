//! What `#[timed]` cannot rewrite, reported at the offending tokens.

use proc_macro2::TokenStream;
use syn::spanned::Spanned;

use super::Errors;

/// Rules on a parsed function.
pub(crate) fn check(function: &syn::ItemFn, errors: &Errors) {
    if let Some(constness) = &function.sig.constness {
        errors.error(
            constness.span,
            "#[timed] cannot be used on a `const fn`: an operation is timed and its statements recorded at run time; \
             remove `const` or the attribute",
        );
    }
    if let Some(variadic) = &function.sig.variadic {
        errors.error(variadic.span(), "#[timed] cannot be used on a variadic function");
    }
}

/// The input did not parse as a function with a body: say what it is instead.
pub(crate) fn not_a_function(item: TokenStream, error: syn::Error, errors: &Errors) {
    if let Ok(declaration) = syn::parse2::<syn::TraitItemFn>(item.clone())
        && declaration.default.is_none()
    {
        errors.error(
            declaration.sig.ident.span(),
            "#[timed] needs a function body: put it on the implementations of this trait method, not on its declaration",
        );
        return;
    }
    match syn::parse2::<syn::Item>(item) {
        Ok(other) => errors
            .error(item_keyword_span(&other), "#[timed] applies to functions and methods (`fn` and `async fn`) only"),
        Err(_) => errors.syn_error(error),
    }
}

fn item_keyword_span(item: &syn::Item) -> proc_macro2::Span {
    match item {
        syn::Item::Struct(item) => item.struct_token.span,
        syn::Item::Enum(item) => item.enum_token.span,
        syn::Item::Impl(item) => item.impl_token.span,
        syn::Item::Trait(item) => item.trait_token.span,
        syn::Item::Mod(item) => item.mod_token.span,
        syn::Item::Static(item) => item.static_token.span,
        syn::Item::Const(item) => item.const_token.span,
        syn::Item::Type(item) => item.type_token.span,
        other => other.span(),
    }
}
