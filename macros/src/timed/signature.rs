//! Which kind of function `#[timed]` is rewriting, read from its signature only.

use syn::{GenericArgument, PathArguments, ReturnType, Signature, Type, TypeParamBound};

/// How the function produces its result, and the type of that result with every `impl Trait`
/// replaced by `_` (usable in a `let` annotation).
pub(crate) enum Kind {
    /// `async fn`: the body is wrapped in an instrumented future.
    Async { output: Type },
    /// `fn ... -> impl Future<Output = T>`: the returned future is wrapped.
    ImplFuture { output: Type },
    /// `fn ... -> Pin<Box<dyn Future<Output = T> + ...>>` (what `#[async_trait]` generates) or
    /// `BoxFuture<'_, T>`: the returned future is wrapped and boxed again.
    BoxedFuture { output: Type },
    /// Any other `fn`: a span is entered for the call.
    Sync { output: Type },
}

pub(crate) fn kind(sig: &Signature) -> Kind {
    let declared = match &sig.output {
        ReturnType::Default => syn::parse_quote!(()),
        ReturnType::Type(_, ty) => (**ty).clone(),
    };
    if sig.asyncness.is_some() {
        return Kind::Async { output: erase_impl_trait(&declared) };
    }
    if let Some(output) = impl_future_output(&declared) {
        return Kind::ImplFuture { output: erase_impl_trait(&output) };
    }
    if let Some(output) = boxed_future_output(&declared) {
        return Kind::BoxedFuture { output: erase_impl_trait(&output) };
    }
    Kind::Sync { output: erase_impl_trait(&declared) }
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(path) if path.qself.is_none() => path.path.segments.last(),
        Type::Group(group) => last_segment(&group.elem),
        Type::Paren(paren) => last_segment(&paren.elem),
        _ => None,
    }
}

fn type_arguments(segment: &syn::PathSegment) -> impl Iterator<Item = &Type> {
    let arguments = match &segment.arguments {
        PathArguments::AngleBracketed(arguments) => Some(arguments.args.iter()),
        _ => None,
    };
    arguments.into_iter().flatten().filter_map(|argument| match argument {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

/// `T` of a `Future<Output = T>` bound among `bounds`; `_` when the bound names no output.
fn future_output<'a>(bounds: impl IntoIterator<Item = &'a TypeParamBound>) -> Option<Type> {
    bounds.into_iter().find_map(|bound| {
        let TypeParamBound::Trait(bound) = bound else { return None };
        let segment = bound.path.segments.last()?;
        if segment.ident != "Future" {
            return None;
        }
        let output = match &segment.arguments {
            PathArguments::AngleBracketed(arguments) => arguments.args.iter().find_map(|argument| match argument {
                GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(assoc.ty.clone()),
                _ => None,
            }),
            _ => None,
        };
        Some(output.unwrap_or_else(|| syn::parse_quote!(_)))
    })
}

fn impl_future_output(ty: &Type) -> Option<Type> {
    match ty {
        Type::ImplTrait(impl_trait) => future_output(&impl_trait.bounds),
        Type::Group(group) => impl_future_output(&group.elem),
        Type::Paren(paren) => impl_future_output(&paren.elem),
        _ => None,
    }
}

fn boxed_future_output(ty: &Type) -> Option<Type> {
    let segment = last_segment(ty)?;
    if segment.ident == "BoxFuture" || segment.ident == "LocalBoxFuture" {
        return type_arguments(segment).next().cloned();
    }
    if segment.ident != "Pin" {
        return None;
    }
    let boxed = type_arguments(segment).next()?;
    let boxed_segment = last_segment(boxed)?;
    if boxed_segment.ident != "Box" {
        return None;
    }
    match type_arguments(boxed_segment).next()? {
        Type::TraitObject(object) => future_output(&object.bounds),
        _ => None,
    }
}

/// `ty` with every `impl Trait` replaced by `_`.
pub(crate) fn erase_impl_trait(ty: &Type) -> Type {
    let mut ty = ty.clone();
    erase(&mut ty);
    ty
}

fn erase(ty: &mut Type) {
    match ty {
        Type::ImplTrait(_) => *ty = syn::parse_quote!(_),
        Type::Array(array) => erase(&mut array.elem),
        Type::Group(group) => erase(&mut group.elem),
        Type::Paren(paren) => erase(&mut paren.elem),
        Type::Ptr(pointer) => erase(&mut pointer.elem),
        Type::Reference(reference) => erase(&mut reference.elem),
        Type::Slice(slice) => erase(&mut slice.elem),
        Type::Tuple(tuple) => tuple.elems.iter_mut().for_each(erase),
        Type::Path(path) => {
            if let Some(qself) = &mut path.qself {
                erase(&mut qself.ty);
            }
            for segment in &mut path.path.segments {
                if let PathArguments::AngleBracketed(arguments) = &mut segment.arguments {
                    for argument in &mut arguments.args {
                        match argument {
                            GenericArgument::Type(inner) => erase(inner),
                            GenericArgument::AssocType(assoc) => erase(&mut assoc.ty),
                            _ => {}
                        }
                    }
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use quote::ToTokens;

    use super::*;

    fn kind_of(signature: &str) -> (&'static str, String) {
        let function: syn::ItemFn = syn::parse_str(&format!("{signature} {{ todo!() }}")).expect("a function");
        match kind(&function.sig) {
            Kind::Async { output } => ("async", output.to_token_stream().to_string()),
            Kind::ImplFuture { output } => ("impl future", output.to_token_stream().to_string()),
            Kind::BoxedFuture { output } => ("boxed future", output.to_token_stream().to_string()),
            Kind::Sync { output } => ("sync", output.to_token_stream().to_string()),
        }
    }

    #[test]
    fn kinds_and_outputs() {
        assert_eq!(kind_of("async fn f()"), ("async", "()".to_owned()));
        assert_eq!(
            kind_of("async fn f() -> Result<impl Iterator<Item = u8>, E>"),
            ("async", "Result < _ , E >".to_owned())
        );
        assert_eq!(kind_of("fn f() -> impl Future<Output = u8> + Send + 'a"), ("impl future", "u8".to_owned()));
        assert_eq!(kind_of("fn f() -> impl std::future::Future"), ("impl future", "_".to_owned()));
        assert_eq!(
            kind_of("fn f<'a>(&'a self) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'a>>"),
            ("boxed future", "Result < T , E >".to_owned())
        );
        assert_eq!(
            kind_of("fn f() -> BoxFuture<'static, Vec<impl Display>>"),
            ("boxed future", "Vec < _ >".to_owned())
        );
        assert_eq!(kind_of("fn f() -> Pin<Box<u8>>"), ("sync", "Pin < Box < u8 > >".to_owned()));
        assert_eq!(kind_of("fn f(&self) -> &[impl Copy]"), ("sync", "& [_]".to_owned()));
        assert_eq!(kind_of("fn f() -> (impl Copy, Option<impl Copy>)"), ("sync", "(_ , Option < _ >)".to_owned()));
    }
}
