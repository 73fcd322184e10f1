//! Procedural macros of [batchload](https://docs.rs/batchload). An implementation detail:
//! depend on `batchload`, which re-exports them and documents them.

use proc_macro::TokenStream;

mod batched;
mod timed;

/// Generates batched loaders for a row struct; documented in the `batchload` crate.
#[proc_macro_derive(Batched, attributes(batched))]
pub fn derive_batched(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    batched::derive(&input).into()
}

/// Turns a function into a timed operation; documented in the `batchload` crate.
#[proc_macro_attribute]
pub fn timed(args: TokenStream, item: TokenStream) -> TokenStream {
    timed::timed(args.into(), item.into()).into()
}
