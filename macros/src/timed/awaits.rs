//! Locates every `.await` of a `#[timed]` body: `fut.await` becomes
//! `fut.__batchload_await_at(span).await`, where the span (target `batchload::await`, TRACE,
//! named after the operation) is created with the `.await`'s own source location. A statement
//! awaited there runs inside that span, so the instrumentation layer reports the line that
//! issued it (a loop's line, each of five calls of one helper) instead of the attribute's.
//!
//! Works on tokens: `.await` inside groups and macro arguments is located too; the bodies of
//! nested `fn` items are left as they are (the method's trait is imported in the function's
//! body only).

use proc_macro2::{Group, TokenStream, TokenTree};
use quote::quote_spanned;

/// `tokens` with every `.await` located; `name`: the operation name expression.
pub(crate) fn locate(tokens: TokenStream, name: &TokenStream) -> TokenStream {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = TokenStream::new();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Punct(dot)
                if dot.as_char() == '.'
                    && matches!(tokens.get(i + 1), Some(TokenTree::Ident(ident)) if ident == "await") =>
            {
                let span = dot.span();
                out.extend(quote_spanned! {span=>
                    .__batchload_await_at(::batchload::__private::operation_span!(await #name))
                });
                out.extend([tokens[i].clone()]);
            }
            TokenTree::Ident(ident) if ident == "fn" => {
                // A nested fn item: copy it through its body untouched.
                out.extend([tokens[i].clone()]);
                while let Some(next) = tokens.get(i + 1) {
                    out.extend([next.clone()]);
                    i += 1;
                    if matches!(next, TokenTree::Group(group) if group.delimiter() == proc_macro2::Delimiter::Brace) {
                        break;
                    }
                }
            }
            TokenTree::Group(group) => {
                let mut located = Group::new(group.delimiter(), locate(group.stream(), name));
                located.set_span(group.span());
                out.extend([TokenTree::Group(located)]);
            }
            other => out.extend([other.clone()]),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    #[test]
    fn awaits_are_located_and_nested_fns_are_not() {
        let name = quote!("op");
        let body = quote! {
            for id in ids { query(id).fetch_one(pool).await?; }
            let x = join!(a.await, b);
            fn inner() { async { c.await } }
        };
        let located = locate(body, &name).to_string();
        assert_eq!(located.matches("__batchload_await_at").count(), 2, "{located}");
        assert!(located.contains("c . await"), "{located}");
    }
}
