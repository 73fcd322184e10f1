//! Statement fingerprints: one shape per statement whatever its literal values.
//!
//! [`normalize`] tokenizes a SQL text (comments dropped, whitespace ignored), replaces every
//! literal and bind placeholder with `?`, collapses lists of them (`IN (?, ?, ?)` -> `IN (?)`,
//! `VALUES (?, ?), (?, ?)` -> `VALUES (?, ?)`), and hashes the canonical token stream (words
//! case-folded, quoted identifiers kept) with 64-bit FNV-1a. So `WHERE id = 1` and
//! `where id=2 -- again` share one fingerprint, while different tables, columns or shapes do
//! not. The same pass derives the OpenTelemetry `db.query.summary` (`SELECT bot_stances`),
//! the statement kind (query, transaction control, session setup) and, for N+1 fixes, the
//! table and the first `WHERE` column.
//!
//! Lexical rules: `'...'` strings end at an unescaped quote (`''` and `\'` are escapes, so a
//! PostgreSQL standard string ending in a backslash is misread; the result still hides its
//! value), `E'...'`, `X'...'`, `N'...'`, `B'...'` and `$tag$...$tag$` are strings, `"..."` and
//! `` `...` `` are identifiers (kept), `?`, `?NNN`, `$NNN`, `:name`, `@name` and `$name` are
//! placeholders, `--` and (nested) `/* */` are comments.

use std::fmt;

use serde::{Serialize, Serializer};

/// A statement's shape: the 64-bit FNV-1a hash of its normalized token stream. Stable across
/// processes for a given batchload version. Displays and serializes as 16 hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(pub u64);

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// What a statement does, for budgets: only [`StatementKind::Query`] statements count against
/// `max_queries` and N+1 detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StatementKind {
    /// Reads and writes (`SELECT`, `INSERT`, `UPDATE`, `DELETE`, DDL, ...): counted.
    Query,
    /// Transaction control (`BEGIN`, `START TRANSACTION`, `COMMIT`, `END`, `ROLLBACK`,
    /// `SAVEPOINT`, `RELEASE`, `SET TRANSACTION`): reported apart, never counted.
    Transaction,
    /// Session setup (`PRAGMA`, `SET`, `RESET`, `DISCARD`, `DEALLOCATE`, `USE`), such as the
    /// `PRAGMA`s sqlx runs when the pool opens a SQLite connection: reported apart, never counted.
    Session,
}

impl fmt::Display for StatementKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StatementKind::Query => "query",
            StatementKind::Transaction => "transaction",
            StatementKind::Session => "session",
        })
    }
}

/// The result of [`normalize`]: a statement with its literals taken out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizedStatement {
    /// Hash of the canonical token stream.
    pub fingerprint: Fingerprint,
    /// The statement with literals and placeholders as `?`, lists collapsed, comments removed
    /// and whitespace runs as one space (original letter case kept).
    pub text: String,
    /// OpenTelemetry `db.query.summary`: operation and main table, e.g. `SELECT bot_stances`;
    /// just the operation when there is no table (`BEGIN`, `PRAGMA`).
    pub summary: String,
    /// OpenTelemetry `db.operation.name`: the statement's first keyword in upper case
    /// (`SELECT`), or the main statement's after a `WITH` clause.
    pub operation: String,
    /// The main table (quotes removed, `schema.table` kept), when there is one.
    pub table: Option<String>,
    /// The column of the first `WHERE` predicate of the form `column = ...` or
    /// `column IN ...` (quotes and table alias removed), when there is one.
    pub where_column: Option<String>,
    /// Query, transaction control or session setup.
    pub kind: StatementKind,
}

/// Normalizes `sql` and fingerprints it; see the module documentation for the rules.
/// Never fails: unknown syntax is kept as punctuation.
pub fn normalize(sql: &str) -> NormalizedStatement {
    let tokens = collapse(tokenize(sql));
    let mut text = String::with_capacity(sql.len().min(4096));
    let mut hash = Fnv::new();
    for (index, token) in tokens.iter().enumerate() {
        if index > 0 {
            if token.space_before {
                text.push(' ');
            }
            hash.write(b" ");
        }
        match token.kind {
            Kind::Literal => {
                text.push('?');
                hash.write(b"?");
            }
            Kind::Word => {
                text.push_str(token.text);
                for byte in token.text.bytes() {
                    hash.write(&[byte.to_ascii_lowercase()]);
                }
            }
            Kind::Quoted | Kind::Punct => {
                text.push_str(token.text);
                hash.write(token.text.as_bytes());
            }
        }
    }
    let shape = Shape::of(&tokens);
    NormalizedStatement {
        fingerprint: Fingerprint(hash.finish()),
        text,
        summary: match &shape.table {
            Some(table) => format!("{} {table}", shape.operation),
            None => shape.operation.clone(),
        },
        kind: kind_of(&tokens, &shape.operation),
        operation: shape.operation,
        table: shape.table,
        where_column: shape.where_column,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Keyword or plain identifier.
    Word,
    /// `"identifier"` or `` `identifier` ``, kept verbatim.
    Quoted,
    /// Number, string or placeholder: rendered as `?`.
    Literal,
    /// Anything else, one character per token.
    Punct,
}

#[derive(Debug, Clone, Copy)]
struct Token<'a> {
    kind: Kind,
    text: &'a str,
    space_before: bool,
}

impl Token<'_> {
    fn is_punct(&self, c: &str) -> bool {
        self.kind == Kind::Punct && self.text == c
    }

    fn is_word(&self, word: &str) -> bool {
        self.kind == Kind::Word && self.text.eq_ignore_ascii_case(word)
    }

    /// The identifier this token names, without quotes.
    fn ident(&self) -> Option<&str> {
        match self.kind {
            Kind::Word => Some(self.text),
            Kind::Quoted if self.text.len() >= 2 => Some(&self.text[1..self.text.len() - 1]),
            _ => None,
        }
    }
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

fn is_ident_continue(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

/// Words after which a `-` in front of a number is a sign, not a subtraction.
const SIGN_CONTEXT: &[&str] = &[
    "select",
    "where",
    "and",
    "or",
    "not",
    "when",
    "then",
    "else",
    "in",
    "is",
    "between",
    "by",
    "limit",
    "offset",
    "values",
    "set",
    "return",
    "returning",
    "like",
    "case",
    "on",
    "having",
];

fn tokenize(sql: &str) -> Vec<Token<'_>> {
    let bytes = sql.as_bytes();
    let mut tokens: Vec<Token<'_>> = Vec::new();
    let mut i = 0;
    let mut space = false;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let kind = match c {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0c => {
                space = true;
                i += 1;
                continue;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                space = true;
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = skip_block_comment(bytes, i);
                space = true;
                continue;
            }
            b'\'' => {
                i = skip_quoted(bytes, i, b'\'', true);
                Kind::Literal
            }
            b'"' | b'`' => {
                i = skip_quoted(bytes, i, c, false);
                Kind::Quoted
            }
            b'0'..=b'9' => {
                i = skip_number(bytes, i);
                Kind::Literal
            }
            b'.' if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i = skip_number(bytes, i);
                Kind::Literal
            }
            b'-' if bytes.get(i + 1).is_some_and(|d| d.is_ascii_digit() || *d == b'.') && sign_allowed(&tokens) => {
                i = skip_number(bytes, i + 1);
                Kind::Literal
            }
            b'?' => {
                i += 1;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                Kind::Literal
            }
            b'$' => match dollar(bytes, i) {
                Some(end) => {
                    i = end;
                    Kind::Literal
                }
                None => {
                    i += 1;
                    Kind::Punct
                }
            },
            b':' | b'@' if bytes.get(i + 1).is_some_and(|&n| is_ident_start(n)) && !prev_is(&tokens, ":") => {
                i += 1;
                while i < bytes.len() && is_ident_continue(bytes[i]) {
                    i += 1;
                }
                Kind::Literal
            }
            c if is_ident_start(c) => {
                // String prefixes: E'..', X'..', N'..', B'..' are literals.
                if matches!(c.to_ascii_lowercase(), b'e' | b'x' | b'n' | b'b') && bytes.get(i + 1) == Some(&b'\'') {
                    i = skip_quoted(bytes, i + 1, b'\'', true);
                    Kind::Literal
                } else {
                    while i < bytes.len() && is_ident_continue(bytes[i]) {
                        i += 1;
                    }
                    Kind::Word
                }
            }
            _ => {
                // One (possibly multi-byte) character.
                i += utf8_len(c);
                Kind::Punct
            }
        };
        let end = i.min(bytes.len());
        // Token boundaries are always at ASCII bytes or UTF-8 character boundaries.
        let text = sql.get(start..end).unwrap_or("");
        tokens.push(Token { kind, text, space_before: space });
        space = false;
    }
    tokens
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xf0..=0xff => 4,
        0xe0..=0xef => 3,
        0xc0..=0xdf => 2,
        _ => 1,
    }
}

fn prev_is(tokens: &[Token<'_>], punct: &str) -> bool {
    tokens.last().is_some_and(|t| t.is_punct(punct))
}

fn sign_allowed(tokens: &[Token<'_>]) -> bool {
    match tokens.last() {
        None => true,
        Some(t) => match t.kind {
            Kind::Punct => !matches!(t.text, ")" | "]"),
            Kind::Word => SIGN_CONTEXT.iter().any(|word| t.text.eq_ignore_ascii_case(word)),
            Kind::Literal | Kind::Quoted => false,
        },
    }
}

/// End of the quoted run starting at `start` (which holds `quote`): a doubled quote is an
/// escape, and so is a backslash in strings.
fn skip_quoted(bytes: &[u8], start: usize, quote: u8, backslash: bool) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        let c = bytes[i];
        if backslash && c == b'\\' {
            i += 2;
        } else if c == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
            } else {
                return i + 1;
            }
        } else {
            i += 1;
        }
    }
    bytes.len()
}

fn skip_block_comment(bytes: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut i = start;
    while i < bytes.len() {
        if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
            depth += 1;
            i += 2;
        } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    bytes.len()
}

fn skip_number(bytes: &[u8], start: usize) -> usize {
    let mut i = start;
    if bytes.get(i) == Some(&b'0') && matches!(bytes.get(i + 1), Some(b'x' | b'X')) {
        i += 2;
        while i < bytes.len() && bytes[i].is_ascii_hexdigit() {
            i += 1;
        }
        return i;
    }
    while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.' || bytes[i] == b'_') {
        i += 1;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(bytes.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        if bytes.get(j).is_some_and(u8::is_ascii_digit) {
            i = j;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
        }
    }
    i
}

/// `$1` placeholders, `$name` placeholders and `$tag$...$tag$` strings: the end of the token
/// starting at `start`, or `None` for a lone `$`.
fn dollar(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    if bytes.get(i).is_some_and(u8::is_ascii_digit) {
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        return Some(i);
    }
    while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
        i += 1;
    }
    if bytes.get(i) == Some(&b'$') {
        // Dollar-quoted string: find the same tag again.
        let tag = &bytes[start..=i];
        let body = i + 1;
        let end = bytes[body..].windows(tag.len()).position(|w| w == tag).map_or(bytes.len(), |p| body + p + tag.len());
        return Some(end);
    }
    (i > start + 1).then_some(i)
}

/// Collapses `( ?, ?, ... )` to `( ? )` and the repeated rows of a `VALUES` list to the first.
fn collapse(tokens: Vec<Token<'_>>) -> Vec<Token<'_>> {
    let mut out: Vec<Token<'_>> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i].is_punct("(")
            && let Some(end) = placeholder_list_end(&tokens, i)
        {
            out.push(tokens[i]);
            out.push(tokens[i + 1]);
            out.push(tokens[end]);
            i = end + 1;
            continue;
        }
        out.push(tokens[i]);
        i += 1;
    }
    // VALUES (row), (row), ... with identical rows: keep the first.
    let mut result: Vec<Token<'_>> = Vec::with_capacity(out.len());
    let mut i = 0;
    while i < out.len() {
        result.push(out[i]);
        if out[i].is_word("values")
            && let Some(first_end) = group_end(&out, i + 1)
        {
            let row = &out[i + 1..=first_end];
            result.extend_from_slice(row);
            let mut next = first_end + 1;
            while next + 1 < out.len()
                && out[next].is_punct(",")
                && let Some(end) = group_end(&out, next + 1)
                && same_tokens(&out[next + 1..=end], row)
            {
                next = end + 1;
            }
            i = next;
            continue;
        }
        i += 1;
    }
    result
}

/// If `tokens[open]` starts `( ? , ? ... )`, the index of its `)`.
fn placeholder_list_end(tokens: &[Token<'_>], open: usize) -> Option<usize> {
    let mut i = open + 1;
    loop {
        if tokens.get(i)?.kind != Kind::Literal {
            return None;
        }
        i += 1;
        let next = tokens.get(i)?;
        if next.is_punct(")") {
            return Some(i);
        }
        if !next.is_punct(",") {
            return None;
        }
        i += 1;
    }
}

/// If `tokens[open]` is `(`, the index of the matching `)`.
fn group_end(tokens: &[Token<'_>], open: usize) -> Option<usize> {
    if !tokens.get(open)?.is_punct("(") {
        return None;
    }
    let mut depth = 0usize;
    for (offset, token) in tokens[open..].iter().enumerate() {
        if token.is_punct("(") {
            depth += 1;
        } else if token.is_punct(")") {
            depth -= 1;
            if depth == 0 {
                return Some(open + offset);
            }
        }
    }
    None
}

fn same_tokens(a: &[Token<'_>], b: &[Token<'_>]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.kind == y.kind && (x.kind == Kind::Literal || x.text.eq_ignore_ascii_case(y.text)))
}

/// Operation, table and `WHERE` column of a token stream.
struct Shape {
    operation: String,
    table: Option<String>,
    where_column: Option<String>,
}

const MAIN_STATEMENTS: &[&str] = &["select", "insert", "update", "delete", "replace"];

impl Shape {
    fn of(tokens: &[Token<'_>]) -> Self {
        let Some(first) = tokens.iter().position(|t| t.kind == Kind::Word) else {
            return Self { operation: String::new(), table: None, where_column: None };
        };
        let mut start = first;
        if tokens[first].is_word("with") {
            // The main statement is the first top-level SELECT/INSERT/UPDATE/DELETE.
            let mut depth = 0usize;
            for (index, token) in tokens.iter().enumerate().skip(first + 1) {
                if token.is_punct("(") {
                    depth += 1;
                } else if token.is_punct(")") {
                    depth = depth.saturating_sub(1);
                } else if depth == 0 && MAIN_STATEMENTS.iter().any(|word| token.is_word(word)) {
                    start = index;
                    break;
                }
            }
        }
        let operation = tokens[start].text.to_ascii_uppercase();
        let rest = &tokens[start + 1..];
        let table = match operation.as_str() {
            "SELECT" | "DELETE" => top_level_after(rest, "from").and_then(|at| table_name(&rest[at..])),
            "INSERT" | "REPLACE" => top_level_after(rest, "into").and_then(|at| table_name(&rest[at..])),
            "UPDATE" => {
                let skip = usize::from(rest.first().is_some_and(|t| t.is_word("or"))) * 2;
                let skip = skip + usize::from(rest.get(skip).is_some_and(|t| t.is_word("only")));
                rest.get(skip..).and_then(table_name)
            }
            "CREATE" | "DROP" | "ALTER" | "TRUNCATE" => {
                return Self {
                    operation: match rest.first().filter(|t| t.kind == Kind::Word) {
                        Some(object) => format!("{operation} {}", object.text.to_ascii_uppercase()),
                        None => operation,
                    },
                    table: None,
                    where_column: None,
                };
            }
            _ => None,
        };
        let where_column = top_level_after(rest, "where").and_then(|at| where_column(&rest[at..]));
        Self { operation, table, where_column }
    }
}

/// Index just after the first top-level (depth 0) occurrence of `word`.
fn top_level_after(tokens: &[Token<'_>], word: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (index, token) in tokens.iter().enumerate() {
        if token.is_punct("(") {
            depth += 1;
        } else if token.is_punct(")") {
            depth = depth.saturating_sub(1);
        } else if depth == 0 && token.is_word(word) {
            return Some(index + 1);
        }
    }
    None
}

/// `name`, `"name"` or `schema.name` at the start of `tokens`.
fn table_name(tokens: &[Token<'_>]) -> Option<String> {
    let first = tokens.first()?.ident()?;
    if tokens.get(1).is_some_and(|t| t.is_punct(".") && !t.space_before)
        && let Some(second) = tokens.get(2).and_then(Token::ident)
    {
        return Some(format!("{first}.{second}"));
    }
    Some(first.to_owned())
}

/// `column` of `[alias.]column = ...` or `[alias.]column IN ...` at the start of `tokens`.
fn where_column(tokens: &[Token<'_>]) -> Option<String> {
    let mut i = 0;
    while tokens.get(i).is_some_and(|t| t.is_punct("(")) {
        i += 1;
    }
    let mut column = tokens.get(i)?.ident()?;
    i += 1;
    while tokens.get(i).is_some_and(|t| t.is_punct(".")) {
        column = tokens.get(i + 1)?.ident()?;
        i += 2;
    }
    let next = tokens.get(i)?;
    (next.is_punct("=") || next.is_word("in")).then(|| column.to_owned())
}

fn kind_of(tokens: &[Token<'_>], operation: &str) -> StatementKind {
    let second = tokens.iter().filter(|t| t.kind == Kind::Word).nth(1);
    match operation {
        "BEGIN" | "COMMIT" | "END" | "ROLLBACK" | "SAVEPOINT" | "RELEASE" => StatementKind::Transaction,
        "START" if second.is_some_and(|t| t.is_word("transaction")) => StatementKind::Transaction,
        "SET" if second.is_some_and(|t| t.is_word("transaction")) => StatementKind::Transaction,
        "PRAGMA" | "SET" | "RESET" | "DISCARD" | "DEALLOCATE" | "USE" => StatementKind::Session,
        _ => StatementKind::Query,
    }
}

/// 64-bit FNV-1a.
struct Fnv(u64);

impl Fnv {
    const fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    const fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(sql: &str) -> String {
        normalize(sql).text
    }

    fn same(a: &str, b: &str) {
        let (x, y) = (normalize(a), normalize(b));
        assert_eq!(
            x.fingerprint, y.fingerprint,
            "{a:?} -> {:?} and {b:?} -> {:?} should share a fingerprint",
            x.text, y.text
        );
    }

    fn different(a: &str, b: &str) {
        assert_ne!(normalize(a).fingerprint, normalize(b).fingerprint, "{a:?} and {b:?} should differ");
    }

    #[test]
    fn numbers_become_placeholders() {
        assert_eq!(text("SELECT * FROM bots WHERE id = 42"), "SELECT * FROM bots WHERE id = ?");
        assert_eq!(text("SELECT 1.5, .5, 1e10, 2.5E-3, 0x1F, 1_000"), "SELECT ?, ?, ?, ?, ?, ?");
        assert_eq!(text("SELECT * FROM t WHERE x = -1 AND y > -2.5"), "SELECT * FROM t WHERE x = ? AND y > ?");
        assert_eq!(text("SELECT a - 1 FROM t"), "SELECT a - ? FROM t");
        // Digits inside identifiers are not numbers.
        assert_eq!(text("SELECT col2 FROM t1 WHERE t1.x3 = 7"), "SELECT col2 FROM t1 WHERE t1.x3 = ?");
        same("SELECT * FROM bots WHERE id = 1", "SELECT * FROM bots WHERE id = 2");
        same("SELECT * FROM t WHERE x = -1", "SELECT * FROM t WHERE x = 10");
        different("SELECT * FROM bots WHERE id = 1", "SELECT * FROM bots WHERE name = 1");
    }

    #[test]
    fn strings_with_escaped_quotes_become_one_placeholder() {
        assert_eq!(text("SELECT * FROM bots WHERE name = 'ada'"), "SELECT * FROM bots WHERE name = ?");
        assert_eq!(
            text("SELECT * FROM bots WHERE name = 'it''s' AND id = 1"),
            "SELECT * FROM bots WHERE name = ? AND id = ?"
        );
        assert_eq!(
            text(r"SELECT * FROM bots WHERE name = 'it\'s' AND id = 1"),
            "SELECT * FROM bots WHERE name = ? AND id = ?"
        );
        assert_eq!(
            text("SELECT E'a\\'b', X'00ff', N'x', $$dollar ' quoted$$, $tag$a$$b$tag$ FROM t"),
            "SELECT ?, ?, ?, ?, ? FROM t"
        );
        assert_eq!(text("SELECT 'a -- not a comment', 'b /* nor this */' FROM t"), "SELECT ?, ? FROM t");
        same("SELECT * FROM bots WHERE name = 'O''Brien'", "SELECT * FROM bots WHERE name = 'ada'");
        // Quoted identifiers are kept: they are names, not values.
        assert_eq!(
            text("SELECT \"name\", `id` FROM \"bots\" WHERE \"id\" = 3"),
            "SELECT \"name\", `id` FROM \"bots\" WHERE \"id\" = ?"
        );
        different("SELECT \"a\" FROM t", "SELECT \"b\" FROM t");
    }

    #[test]
    fn in_lists_and_values_rows_collapse() {
        assert_eq!(text("SELECT * FROM bots WHERE id IN (1, 2, 3)"), "SELECT * FROM bots WHERE id IN (?)");
        same("SELECT * FROM bots WHERE id IN (1, 2, 3)", "SELECT * FROM bots WHERE id IN (7)");
        same("SELECT * FROM bots WHERE id IN ($1, $2)", "SELECT * FROM bots WHERE id IN (?, ?, ?, ?)");
        assert_eq!(text("INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y'), (3, 'z')"), "INSERT INTO t (a, b) VALUES (?)");
        same("INSERT INTO t (a, b) VALUES (1, 'x')", "INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y')");
        assert_eq!(
            text("INSERT INTO t (a, b) VALUES (1, now()), (2, now())"),
            "INSERT INTO t (a, b) VALUES (?, now())"
        );
        // A subquery is not a list.
        assert_eq!(
            text("SELECT * FROM t WHERE id IN (SELECT value FROM json_each(?1))"),
            "SELECT * FROM t WHERE id IN (SELECT value FROM json_each(?))"
        );
    }

    #[test]
    fn whitespace_and_case_do_not_matter() {
        assert_eq!(text("SELECT   *\n\tFROM bots\r\n WHERE id=1"), "SELECT * FROM bots WHERE id=?");
        same("SELECT * FROM bots WHERE id = 1", "SELECT   *\n  FROM bots\n WHERE id=1");
        same("select * from bots where id = 1", "SELECT * FROM bots WHERE id = 2");
        same("SELECT * FROM bots WHERE id IN (1,2)", "SELECT * FROM bots WHERE id IN ( 1 , 2 )");
        assert_eq!(text("  SELECT 1  "), "SELECT ?");
    }

    #[test]
    fn comments_are_removed() {
        assert_eq!(
            text("SELECT * -- all columns\nFROM bots /* the table */ WHERE id = 1"),
            "SELECT * FROM bots WHERE id = ?"
        );
        assert_eq!(text("/* outer /* nested */ still comment */ SELECT 1"), "SELECT ?");
        same("SELECT * FROM bots WHERE id = 1 -- first", "SELECT * FROM bots /* x */ WHERE id = 2");
    }

    #[test]
    fn placeholders_of_every_backend_are_one_shape() {
        assert_eq!(
            text("SELECT * FROM t WHERE a = $1 AND b = ?1 AND c = ? AND d = :name AND e = @p AND f = $v"),
            "SELECT * FROM t WHERE a = ? AND b = ? AND c = ? AND d = ? AND e = ? AND f = ?"
        );
        same("SELECT * FROM t WHERE a = $1", "SELECT * FROM t WHERE a = ?");
        same("SELECT * FROM t WHERE a = ?12", "SELECT * FROM t WHERE a = 5");
        // PostgreSQL casts are not named placeholders.
        assert_eq!(text("SELECT $1::bigint, x::text FROM t"), "SELECT ?::bigint, x::text FROM t");
    }

    #[test]
    fn summary_operation_table_and_where_column() {
        let s = normalize(
            "SELECT t.`id` AS \"id\" FROM `bot_stances` AS t WHERE t.`bot_id` IN (SELECT value FROM json_each(?1)) ORDER BY t.`id`",
        );
        assert_eq!(s.summary, "SELECT bot_stances");
        assert_eq!(s.operation, "SELECT");
        assert_eq!(s.table.as_deref(), Some("bot_stances"));
        assert_eq!(s.where_column.as_deref(), Some("bot_id"));
        assert_eq!(s.kind, StatementKind::Query);

        let s = normalize("select * from public.bots b where (b.id = 3)");
        assert_eq!((s.summary.as_str(), s.where_column.as_deref()), ("SELECT public.bots", Some("id")));
        assert_eq!(normalize("INSERT OR REPLACE INTO bots (id) VALUES (1)").summary, "INSERT bots");
        assert_eq!(normalize("UPDATE bots SET name = 'x' WHERE id = 1").summary, "UPDATE bots");
        assert_eq!(normalize("DELETE FROM bots WHERE id = 1").where_column.as_deref(), Some("id"));
        assert_eq!(normalize("WITH x AS (SELECT 1) SELECT * FROM x_table").summary, "SELECT x_table");
        assert_eq!(normalize("SELECT COUNT(*) FROM (SELECT 1) AS s").summary, "SELECT");
        assert_eq!(normalize("CREATE TABLE t (id INTEGER)").summary, "CREATE TABLE");
        assert_eq!(normalize("SELECT * FROM bots WHERE name LIKE 'a%'").where_column, None);
    }

    #[test]
    fn transaction_control_and_session_setup_are_not_queries() {
        for sql in [
            "BEGIN",
            "begin immediate",
            "COMMIT",
            "END",
            "ROLLBACK",
            "ROLLBACK TO SAVEPOINT sp1",
            "SAVEPOINT sp1",
            "RELEASE SAVEPOINT sp1",
            "START TRANSACTION",
            "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
        ] {
            assert_eq!(normalize(sql).kind, StatementKind::Transaction, "{sql}");
        }
        for sql in ["PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL;", "SET search_path = x", "RESET ALL"] {
            assert_eq!(normalize(sql).kind, StatementKind::Session, "{sql}");
        }
        for sql in
            ["SELECT 1", "INSERT INTO t VALUES (1)", "WITH a AS (SELECT 1) SELECT * FROM a", "UPDATE t SET a = 1"]
        {
            assert_eq!(normalize(sql).kind, StatementKind::Query, "{sql}");
        }
        assert_eq!(normalize("BEGIN").summary, "BEGIN");
    }

    #[test]
    fn odd_input_never_panics() {
        for sql in ["", "'", "\"", "/*", "$", "$a", "$$", "?", "-", "é = 'ü'", "SELECT (((", ")))", "x'", "\\"] {
            let _ = normalize(sql);
        }
        assert_eq!(normalize("").summary, "");
        assert_eq!(text("SELECT 'unterminated"), "SELECT ?");
        assert_eq!(text("SELECT café FROM t WHERE x = 'ü'"), "SELECT café FROM t WHERE x = ?");
    }

    #[test]
    fn fingerprint_is_stable_and_displayed_as_hex() {
        let fingerprint = normalize("SELECT 1").fingerprint;
        assert_eq!(fingerprint, normalize("select 2").fingerprint);
        assert_eq!(fingerprint.to_string().len(), 16);
        assert_eq!(serde_json::to_string(&fingerprint).unwrap(), format!("\"{fingerprint}\""));
    }
}
