//! Collects every spanned error of one derive so they are all reported at once.

use std::cell::RefCell;
use std::fmt::Display;

use proc_macro2::{Span, TokenStream};

pub(crate) struct Errors {
    errors: RefCell<Vec<syn::Error>>,
}

impl Errors {
    pub(crate) fn new() -> Self {
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

    pub(crate) fn is_empty(&self) -> bool {
        self.errors.borrow().is_empty()
    }

    /// All errors as `compile_error!` invocations, in the order they were found.
    pub(crate) fn into_compile_errors(self) -> TokenStream {
        self.errors.into_inner().into_iter().map(|error| error.to_compile_error()).collect()
    }
}
