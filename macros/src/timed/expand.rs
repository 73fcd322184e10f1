//! Tokens for a valid `#[timed]` function. The signature (attributes, visibility, generics,
//! parameters, return type, where clause) is emitted token for token; only the body changes:
//!
//! ```text
//! async fn f(..) -> R { body }
//! // becomes
//! async fn f(..) -> R {
//!     static SITE = OperationSite::new(NAME, max_queries, threshold);
//!     let body = async move { body };
//!     if !enabled() { return body.await }          // nothing installed: one atomic load
//!     Box::pin(async move {                        // boxed: keeps f's own future small
//!         let operation = Operation::start(&SITE, span!(LEVEL, NAME));
//!         let output: R = body.instrument(operation.span()).await;   // no guard across .await
//!         if let Some(violation) = operation.finish(outcome_of(&output)) { panic!("{violation}") }
//!         output
//!     })
//!     .await
//! }
//! ```
//!
//! Every `.await` of the body is located first ([`awaits`](super::awaits)): it runs in a span
//! created at its own line, so statements are reported at the line that awaited them.
//!
//! `fn -> impl Future` returns `async move { <the same> }` around the original future,
//! `fn -> Pin<Box<dyn Future>>` (`#[async_trait]`) returns it boxed (or the original future
//! when nothing is installed), and a plain `fn` enters the span around a closure holding the
//! body. A dropped operation future drops the `Operation`, which records it as cancelled.
//! Generated code names only `::batchload::__private::...` and `::core::...`.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::ItemFn;

use super::args::Args;
use super::awaits;
use super::signature::{self, Kind};

pub(crate) fn expand(args: &Args, function: &ItemFn) -> TokenStream {
    let ItemFn { attrs, vis, sig, block } = function;
    let site = site(args, &sig.ident);
    let block = awaits::locate(quote!(#block), &name(args, &sig.ident));
    let level = Ident::new(args.level.constant(), Span::call_site());
    let name = name(args, &sig.ident);
    let unobserved = args.max_queries.map(|_| quote!(::batchload::__private::unobserved(&__BATCHLOAD_SITE);));
    let start = quote! {
        ::batchload::__private::Operation::start(
            &__BATCHLOAD_SITE,
            ::batchload::__private::operation_span!(#level, #name),
        )
    };
    let finish = quote! {
        let __batchload_outcome = {
            #[allow(unused_imports)]
            use ::batchload::__private::{ViaAny as _, ViaResult as _};
            (&__batchload_output).__batchload_outcome()
        };
        if let ::core::option::Option::Some(__batchload_violation) =
            ::batchload::__private::Operation::finish(__batchload_operation, __batchload_outcome)
        {
            ::core::panic!("{}", __batchload_violation);
        }
    };
    let wrapped = |output: &syn::Type, fast_path: bool| {
        let fast_path = fast_path.then(|| {
            quote! {
                if !::batchload::__private::enabled() {
                    #unobserved
                    return __batchload_body.await;
                }
            }
        });
        quote! {
            #fast_path
            let __batchload_operation = #start;
            let __batchload_output: #output = ::batchload::__private::Instrument::instrument(
                __batchload_body,
                ::batchload::__private::Operation::span(&__batchload_operation),
            )
            .await;
            #finish
            __batchload_output
        }
    };
    let body = match signature::kind(sig) {
        Kind::Async { output } => {
            let fake_return = fake_return(&output);
            let rest = wrapped(&output, false);
            // The instrumented path is boxed so the function's own future stays as small as
            // the original when nothing is installed (its size is paid on every call).
            quote! {
                let __batchload_body = async move {
                    #fake_return
                    #block
                };
                if !::batchload::__private::enabled() {
                    #unobserved
                    return __batchload_body.await;
                }
                ::batchload::__private::boxed(async move { #rest }).await
            }
        }
        Kind::ImplFuture { output } => {
            let rest = wrapped(&output, true);
            quote! {
                #[allow(clippy::redundant_closure_call)]
                let __batchload_body = (move || #block)();
                async move { #rest }
            }
        }
        Kind::BoxedFuture { output } => {
            let rest = wrapped(&output, false);
            quote! {
                #[allow(clippy::redundant_closure_call)]
                let __batchload_body = (move || #block)();
                if !::batchload::__private::enabled() {
                    #unobserved
                    return __batchload_body;
                }
                ::batchload::__private::boxed(async move { #rest })
            }
        }
        Kind::Sync { output } => quote! {
            let __batchload_operation = if ::batchload::__private::enabled() {
                ::core::option::Option::Some(#start)
            } else {
                #unobserved
                ::core::option::Option::None
            };
            let __batchload_output: #output = {
                let __batchload_entered =
                    ::core::option::Option::map(::core::option::Option::as_ref(&__batchload_operation), ::batchload::__private::Operation::enter);
                #[allow(clippy::redundant_closure_call)]
                let __batchload_output = (move || #block)();
                ::core::mem::drop(__batchload_entered);
                __batchload_output
            };
            if let ::core::option::Option::Some(__batchload_operation) = __batchload_operation {
                #finish
            }
            __batchload_output
        },
    };
    quote! {
        #(#attrs)*
        #vis #sig {
            #[allow(unused_imports)]
            use ::batchload::__private::AwaitAt as _;
            #site
            #body
        }
    }
}

/// The operation name: `name = "..."`, else `module::path::function`.
fn name(args: &Args, ident: &Ident) -> TokenStream {
    match &args.name {
        Some(name) => quote!(#name),
        None => {
            let function = ident.to_string();
            let function = function.strip_prefix("r#").unwrap_or(&function);
            quote!(::core::concat!(::core::module_path!(), "::", #function))
        }
    }
}

fn site(args: &Args, ident: &Ident) -> TokenStream {
    let name = name(args, ident);
    let max_queries = match args.max_queries {
        Some(max) => quote!(::core::option::Option::Some(#max)),
        None => quote!(::core::option::Option::None),
    };
    let threshold = match args.threshold {
        Some(threshold) => quote!(::core::option::Option::Some(#threshold)),
        None => quote!(::core::option::Option::None),
    };
    quote! {
        static __BATCHLOAD_SITE: ::batchload::__private::OperationSite =
            ::batchload::__private::OperationSite::new(#name, #max_queries, #threshold);
    }
}

/// An unreachable `return` of the declared type first in the async body, so `?` and `return`
/// in the body infer the function's types (as `tracing::instrument` does).
fn fake_return(output: &syn::Type) -> TokenStream {
    quote_spanned! {Span::call_site()=>
        #[allow(
            unknown_lints,
            unreachable_code,
            clippy::diverging_sub_expression,
            clippy::empty_loop,
            clippy::let_unit_value,
            clippy::let_with_type_underscore,
            clippy::needless_return,
            clippy::unreachable
        )]
        if false {
            let __batchload_fake_return: #output = loop {};
            return __batchload_fake_return;
        }
    }
}
