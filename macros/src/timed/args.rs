//! Parsing of `#[timed(name = "...", max_queries = N, level = "...", threshold = N)]`: one
//! slot per option, duplicate and unknown options reported at the offending tokens, every
//! mistake collected.

use proc_macro2::{Span, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::{LitInt, LitStr, Token};

use super::Errors;

/// The span's level: `level = "trace" | "debug" | "info" | "warn" | "error"`.
#[derive(Clone, Copy)]
pub(crate) enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    const NAMES: [(&'static str, Level); 5] = [
        ("trace", Level::Trace),
        ("debug", Level::Debug),
        ("info", Level::Info),
        ("warn", Level::Warn),
        ("error", Level::Error),
    ];

    /// The `tracing::Level` constant's name.
    pub(crate) fn constant(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
        }
    }
}

/// The attribute's options.
pub(crate) struct Args {
    /// `name = "..."`: the operation name (default `module::function`).
    pub(crate) name: Option<LitStr>,
    /// `max_queries = N`: the query budget.
    pub(crate) max_queries: Option<u64>,
    /// `level = "..."`: the span's level (default info).
    pub(crate) level: Level,
    /// `threshold = N`: the N+1 threshold of this operation (at least 2).
    pub(crate) threshold: Option<u32>,
}

/// One option: set at most once.
struct Slot<T> {
    name: &'static str,
    value: Option<T>,
}

impl<T> Slot<T> {
    fn new(name: &'static str) -> Self {
        Self { name, value: None }
    }

    fn set(&mut self, errors: &Errors, span: Span, value: T) {
        if self.value.is_some() {
            errors.error(span, format_args!("duplicate `{}` option in #[timed(...)]", self.name));
        } else {
            self.value = Some(value);
        }
    }
}

/// Parses the attribute's arguments; every mistake goes to `errors`, the valid options are kept.
pub(crate) fn parse(tokens: TokenStream, errors: &Errors) -> Args {
    let mut name = Slot::new("name");
    let mut max_queries = Slot::new("max_queries");
    let mut level = Slot::new("level");
    let mut threshold = Slot::new("threshold");
    let parser = syn::meta::parser(|meta| {
        let Some(ident) = meta.path.get_ident() else {
            return unknown(errors, &meta);
        };
        let span = ident.span();
        match ident.to_string().as_str() {
            "name" => {
                if let Some(literal) = string(errors, &meta, "name", "name = \"load_context\"")? {
                    if literal.value().trim().is_empty() {
                        errors.error(literal.span(), "`name` must not be empty");
                    } else {
                        name.set(errors, span, literal);
                    }
                }
            }
            "level" => {
                if let Some(literal) = string(errors, &meta, "level", "level = \"debug\"")? {
                    let value = literal.value();
                    match Level::NAMES.iter().find(|(known, _)| value.eq_ignore_ascii_case(known)) {
                        Some(&(_, parsed)) => level.set(errors, span, parsed),
                        None => errors.error(
                            literal.span(),
                            format_args!(
                                "unknown level \"{value}\": expected \"trace\", \"debug\", \"info\", \"warn\" or \"error\""
                            ),
                        ),
                    }
                }
            }
            "max_queries" => {
                if let Some(literal) = integer(errors, &meta, "max_queries", "max_queries = 4")? {
                    match literal.base10_parse::<u64>() {
                        Ok(value) => max_queries.set(errors, span, value),
                        Err(error) => errors.syn_error(error),
                    }
                }
            }
            "threshold" => {
                if let Some(literal) = integer(errors, &meta, "threshold", "threshold = 3")? {
                    match literal.base10_parse::<u32>() {
                        Ok(value) if value >= 2 => threshold.set(errors, span, value),
                        Ok(_) => errors.error(
                            literal.span(),
                            "`threshold` must be at least 2: a statement that runs once is not an N+1",
                        ),
                        Err(error) => errors.syn_error(error),
                    }
                }
            }
            _ => unknown(errors, &meta)?,
        }
        Ok(())
    });
    if let Err(error) = parser.parse2(tokens) {
        errors.syn_error(error);
    }
    Args {
        name: name.value,
        max_queries: max_queries.value,
        level: level.value.unwrap_or(Level::Info),
        threshold: threshold.value,
    }
}

/// The value of a `key = "string"` option, or `None` (error recorded, value skipped).
fn string(errors: &Errors, meta: &ParseNestedMeta<'_>, key: &str, example: &str) -> syn::Result<Option<LitStr>> {
    value(errors, meta, key, example, "a string").map(|expression| match expression {
        Some(syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(literal), .. })) => Some(literal),
        Some(other) => {
            errors.error(syn::spanned::Spanned::span(&other), format_args!("`{key}` takes a string: write {example}"));
            None
        }
        None => None,
    })
}

/// The value of a `key = 123` option, or `None` (error recorded, value skipped).
fn integer(errors: &Errors, meta: &ParseNestedMeta<'_>, key: &str, example: &str) -> syn::Result<Option<LitInt>> {
    value(errors, meta, key, example, "an integer").map(|expression| match expression {
        Some(syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(literal), .. })) => Some(literal),
        Some(syn::Expr::Unary(syn::ExprUnary { op: syn::UnOp::Neg(_), expr, .. }))
            if matches!(&*expr, syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(_), .. })) =>
        {
            errors
                .error(syn::spanned::Spanned::span(&expr), format_args!("`{key}` cannot be negative: write {example}"));
            None
        }
        Some(other) => {
            errors.error(
                syn::spanned::Spanned::span(&other),
                format_args!("`{key}` takes an integer literal: write {example}"),
            );
            None
        }
        None => None,
    })
}

/// The expression after `key =`; a missing `=` is reported at the key.
fn value(
    errors: &Errors,
    meta: &ParseNestedMeta<'_>,
    key: &str,
    example: &str,
    what: &str,
) -> syn::Result<Option<syn::Expr>> {
    if !meta.input.peek(Token![=]) {
        errors.error(meta.path.span_of_ident(), format_args!("`{key}` takes {what}: write {example}"));
        skip_group(meta)?;
        return Ok(None);
    }
    meta.input.parse::<Token![=]>()?;
    Ok(Some(meta.input.parse::<syn::Expr>()?))
}

fn skip_group(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::token::Paren) {
        let _nested;
        syn::parenthesized!(_nested in meta.input);
    }
    Ok(())
}

/// Records an unknown option and skips its value, so the options after it are still checked.
fn unknown(errors: &Errors, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    let name = meta.path.get_ident().map_or_else(
        || meta.path.segments.iter().map(|segment| segment.ident.to_string()).collect::<Vec<_>>().join("::"),
        ToString::to_string,
    );
    let suggestion = OPTIONS
        .iter()
        .find(|option| distance(option, &name) <= option.len().div_ceil(3))
        .map_or_else(String::new, |option| format!(" (did you mean `{option}`?)"));
    errors.error(
        meta.path.span_of_ident(),
        format_args!(
            "unknown option `{name}` in #[timed(...)]: expected `name`, `max_queries`, `level` or `threshold`{suggestion}"
        ),
    );
    if meta.input.peek(Token![=]) {
        meta.input.parse::<Token![=]>()?;
        meta.input.parse::<syn::Expr>()?;
    } else {
        skip_group(meta)?;
    }
    Ok(())
}

/// The options, for suggestions.
const OPTIONS: [&str; 4] = ["name", "max_queries", "level", "threshold"];

/// Levenshtein distance between two short ASCII words.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// The span of a path's identifier (its first segment).
trait SpanOfIdent {
    fn span_of_ident(&self) -> Span;
}

impl SpanOfIdent for syn::Path {
    fn span_of_ident(&self) -> Span {
        self.segments.first().map_or_else(Span::call_site, |segment| segment.ident.span())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(tokens: &str) -> (Args, Vec<String>) {
        let errors = Errors::new();
        let args = parse(tokens.parse().expect("tokens"), &errors);
        let messages = errors.errors.into_inner().iter().map(ToString::to_string).collect();
        (args, messages)
    }

    #[test]
    fn every_option_is_read() {
        let (args, errors) = parse_str(r#"name = "op", max_queries = 4, level = "WARN", threshold = 3"#);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(args.name.map(|name| name.value()).as_deref(), Some("op"));
        assert_eq!((args.max_queries, args.threshold, args.level.constant()), (Some(4), Some(3), "WARN"));
        let (args, errors) = parse_str("");
        assert!(errors.is_empty());
        assert_eq!((args.max_queries, args.threshold, args.level.constant()), (None, None, "INFO"));
    }

    #[test]
    fn unknown_options_suggest_the_closest_one() {
        let (_, errors) = parse_str("treshold = 3, lvl = \"info\", frobnicate");
        assert_eq!(
            errors,
            [
                "unknown option `treshold` in #[timed(...)]: expected `name`, `max_queries`, `level` or `threshold` (did you mean `threshold`?)",
                "unknown option `lvl` in #[timed(...)]: expected `name`, `max_queries`, `level` or `threshold` (did you mean `level`?)",
                "unknown option `frobnicate` in #[timed(...)]: expected `name`, `max_queries`, `level` or `threshold`",
            ]
        );
    }
}
