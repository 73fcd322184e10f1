//! `#[timed]`: parse the options (`args`) and the function, validate (`check`), rewrite the
//! body (`expand`, with `signature` telling which kind of function it is). On invalid input
//! the function is emitted unchanged next to the errors, so one mistake gives one error.

mod args;
mod awaits;
mod check;
mod expand;
mod signature;

use std::cell::RefCell;
use std::fmt::Display;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;

/// Collects every spanned error of one attribute so they are all reported at once.
pub(crate) struct Errors {
    errors: RefCell<Vec<syn::Error>>,
}

impl Errors {
    fn new() -> Self {
        Self { errors: RefCell::new(Vec::new()) }
    }

    /// Records `message` at `span`.
    pub(crate) fn error(&self, span: Span, message: impl Display) {
        self.errors.borrow_mut().push(syn::Error::new(span, message));
    }

    /// Records an error produced by syn's parser.
    pub(crate) fn syn_error(&self, error: syn::Error) {
        self.errors.borrow_mut().push(error);
    }

    fn is_empty(&self) -> bool {
        self.errors.borrow().is_empty()
    }

    fn into_compile_errors(self) -> TokenStream {
        self.errors.into_inner().into_iter().map(|error| error.to_compile_error()).collect()
    }
}

/// Entry point of the attribute.
pub(crate) fn timed(args: TokenStream, item: TokenStream) -> TokenStream {
    let errors = Errors::new();
    let args = args::parse(args, &errors);
    let function = match syn::parse2::<syn::ItemFn>(item.clone()) {
        Ok(function) => function,
        Err(error) => {
            check::not_a_function(item.clone(), error, &errors);
            let mut tokens = errors.into_compile_errors();
            tokens.extend(item);
            return tokens;
        }
    };
    check::check(&function, &errors);
    if errors.is_empty() {
        expand::expand(&args, &function)
    } else {
        let mut tokens = errors.into_compile_errors();
        function.to_tokens(&mut tokens);
        tokens
    }
}
