//! The SQL lexer behind fingerprints: splits a statement into words, quoted identifiers,
//! literals, bind placeholders and punctuation, dropping comments and whitespace. It knows
//! nothing about statements; [`statement`](super::statement) reads their shape from its tokens.
//!
//! Rules: `'...'` strings end at an unescaped quote (`''` and `\'` are escapes, so a
//! PostgreSQL standard string ending in a backslash is misread; the result still hides its
//! value); `E'...'`, `X'...'`, `N'...'`, `B'...'` and `$tag$...$tag$` are strings; `"..."` and
//! `` `...` `` are identifiers (kept); `?`, `?NNN`, `$NNN`, `:name`, `@name` and `$name` are
//! placeholders; `--` and (nested) `/* */` are comments, and so is `#` to the end of the line
//! on MySQL (on PostgreSQL `#` is an operator; when the database is not known, a `#` that
//! starts a line is a comment).

/// The SQL dialect a statement is lexed in: it decides what `#` means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Dialect {
    /// MySQL and MariaDB: `#` starts a comment.
    MySql,
    /// PostgreSQL: `#` is an operator (`#`, `#>`, `#>>`, `#-`).
    Postgres,
    /// SQLite, or not known: a `#` that starts a line starts a comment.
    #[default]
    Generic,
}

impl Dialect {
    /// The dialect of an OpenTelemetry `db.system.name`.
    pub(crate) fn of_system(system: Option<&str>) -> Self {
        match system {
            Some("mysql" | "mariadb") => Self::MySql,
            Some("postgresql") => Self::Postgres,
            _ => Self::Generic,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Keyword or plain identifier.
    Word,
    /// `"identifier"` or `` `identifier` ``, kept verbatim.
    Quoted,
    /// Number or string: rendered as `?`.
    Literal,
    /// Bind placeholder (`?`, `?1`, `$1`, `:name`, `@name`, `$name`): rendered as `?`.
    Placeholder,
    /// Anything else, one character per token.
    Punct,
}

impl Kind {
    /// Literals and placeholders: the values a fingerprint ignores.
    pub(crate) fn is_value(self) -> bool {
        matches!(self, Kind::Literal | Kind::Placeholder)
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Token<'a> {
    pub(crate) kind: Kind,
    pub(crate) text: &'a str,
    pub(crate) space_before: bool,
}

impl Token<'_> {
    pub(crate) fn is_punct(&self, c: &str) -> bool {
        self.kind == Kind::Punct && self.text == c
    }

    pub(crate) fn is_word(&self, word: &str) -> bool {
        self.kind == Kind::Word && self.text.eq_ignore_ascii_case(word)
    }

    /// The identifier this token names, without quotes.
    pub(crate) fn ident(&self) -> Option<&str> {
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

/// Whether the `#` at `at` starts a comment in `dialect`.
fn hash_comment(bytes: &[u8], at: usize, dialect: Dialect) -> bool {
    match dialect {
        Dialect::MySql => true,
        Dialect::Postgres => false,
        Dialect::Generic => bytes[..at].iter().rev().take_while(|&&b| b != b'\n').all(u8::is_ascii_whitespace),
    }
}

/// The tokens of `sql`, comments and whitespace dropped.
pub(crate) fn tokenize(sql: &str, dialect: Dialect) -> Vec<Token<'_>> {
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
                i = skip_line(bytes, i);
                space = true;
                continue;
            }
            b'#' if hash_comment(bytes, i, dialect) => {
                i = skip_line(bytes, i);
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
                Kind::Placeholder
            }
            b'$' => match dollar(bytes, i) {
                Some((end, kind)) => {
                    i = end;
                    kind
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
                Kind::Placeholder
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

fn skip_line(bytes: &[u8], start: usize) -> usize {
    let mut i = start;
    while i < bytes.len() && bytes[i] != b'\n' {
        i += 1;
    }
    i
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
            Kind::Literal | Kind::Placeholder | Kind::Quoted => false,
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

/// `$1` and `$name` placeholders and `$tag$...$tag$` strings: the end and kind of the token
/// starting at `start`, or `None` for a lone `$`.
fn dollar(bytes: &[u8], start: usize) -> Option<(usize, Kind)> {
    let mut i = start + 1;
    if bytes.get(i).is_some_and(u8::is_ascii_digit) {
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        return Some((i, Kind::Placeholder));
    }
    while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
        i += 1;
    }
    if bytes.get(i) == Some(&b'$') {
        // Dollar-quoted string: find the same tag again.
        let tag = &bytes[start..=i];
        let body = i + 1;
        let end = bytes[body..].windows(tag.len()).position(|w| w == tag).map_or(bytes.len(), |p| body + p + tag.len());
        return Some((end, Kind::Literal));
    }
    (i > start + 1).then_some((i, Kind::Placeholder))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(sql: &str, dialect: Dialect) -> Vec<(Kind, &str)> {
        tokenize(sql, dialect).into_iter().map(|token| (token.kind, token.text)).collect()
    }

    #[test]
    fn hash_is_a_comment_on_mysql_an_operator_on_postgresql() {
        let sql = "SELECT a # b\nFROM t";
        assert_eq!(
            kinds(sql, Dialect::MySql),
            [(Kind::Word, "SELECT"), (Kind::Word, "a"), (Kind::Word, "FROM"), (Kind::Word, "t")]
        );
        assert_eq!(kinds(sql, Dialect::Postgres)[2], (Kind::Punct, "#"));
        assert_eq!(kinds("SELECT data #> '{a}' FROM t", Dialect::Postgres)[2], (Kind::Punct, "#"));
        // Unknown database: only a `#` opening a line is a comment.
        assert_eq!(kinds(sql, Dialect::Generic)[2], (Kind::Punct, "#"));
        assert_eq!(kinds("  # note\nSELECT 1", Dialect::Generic), [(Kind::Word, "SELECT"), (Kind::Literal, "1")]);
        assert_eq!(Dialect::of_system(Some("mariadb")), Dialect::MySql);
    }

    #[test]
    fn placeholders_and_literals_are_told_apart() {
        assert_eq!(
            kinds("x = $1 AND y = ?2 AND z = :n AND w = 'v' AND q = $$s$$", Dialect::Postgres)
                .into_iter()
                .filter(|(kind, _)| kind.is_value())
                .map(|(kind, _)| kind)
                .collect::<Vec<_>>(),
            [Kind::Placeholder, Kind::Placeholder, Kind::Placeholder, Kind::Literal, Kind::Literal]
        );
    }
}
