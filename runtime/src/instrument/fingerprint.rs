//! Statement fingerprints: one shape per statement whatever its literal values.
//!
//! [`normalize`] lexes a SQL text ([`lexer`](super::lexer): comments dropped, whitespace
//! ignored), replaces every literal and bind placeholder with `?`, collapses lists of them
//! (`IN (?, ?, ?)` -> `IN (?)`, `VALUES (?, ?), (?, ?)` -> `VALUES (?, ?)`), and hashes the
//! canonical token stream (words case-folded, quoted identifiers kept) with 64-bit FNV-1a. So
//! `WHERE id = 1` and `where id=2 -- again` share one fingerprint, while different tables,
//! columns or shapes do not. The statement's shape ([`statement`](super::statement)) is read
//! from the same tokens.

use std::fmt;

use serde::{Serialize, Serializer};

use super::lexer::{Dialect, Kind, Token, tokenize};
use super::statement::{StatementShape, group_end};

/// A statement's shape: a 64-bit hash of its normalized token stream (literals, bind
/// placeholders, comments, whitespace and keyword case ignored). Equal for two statements that
/// differ only in their values, different when a table, a column or the structure differs.
/// Stable across processes for a given batchload version, not across versions. Displays and
/// serializes as 16 hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(u64);

impl Fingerprint {
    /// The fingerprint of `sql`, as the layer computes it for a statement it sees (with no
    /// database dialect: a `#` is a comment only when it starts a line). Never fails.
    pub fn of(sql: &str) -> Self {
        normalize(sql, Dialect::Generic).fingerprint
    }
}

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

/// A statement with its literals taken out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Normalized {
    /// Hash of the canonical token stream.
    pub(crate) fingerprint: Fingerprint,
    /// The statement with literals and placeholders as `?`, lists collapsed, comments removed
    /// and whitespace runs as one space (original letter case kept).
    pub(crate) text: String,
    /// OpenTelemetry `db.query.summary`, e.g. `SELECT bot_stances`.
    pub(crate) summary: String,
    /// Operation, tables, key column, parameters, kind.
    pub(crate) shape: StatementShape,
}

/// Normalizes `sql` (lexed in `dialect`) and fingerprints it. Never fails: unknown syntax is
/// kept as punctuation.
pub(crate) fn normalize(sql: &str, dialect: Dialect) -> Normalized {
    let tokens = collapse(tokenize(sql, dialect));
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
            Kind::Literal | Kind::Placeholder => {
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
    let shape = StatementShape::of(&tokens);
    Normalized { fingerprint: Fingerprint(hash.finish()), text, summary: shape.summary(), shape }
}

/// Collapses `( ?, ?, ... )` to `( ? )` and the repeated rows of a `VALUES` list to the first.
fn collapse(tokens: Vec<Token<'_>>) -> Vec<Token<'_>> {
    let mut out: Vec<Token<'_>> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i].is_punct("(")
            && let Some(end) = value_list_end(&tokens, i)
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

/// If `tokens[open]` starts `( ? , ? ... )` (literals or placeholders), the index of its `)`.
fn value_list_end(tokens: &[Token<'_>], open: usize) -> Option<usize> {
    let mut i = open + 1;
    loop {
        if !tokens.get(i)?.kind.is_value() {
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

fn same_tokens(a: &[Token<'_>], b: &[Token<'_>]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            (x.kind.is_value() && y.kind.is_value()) || (x.kind == y.kind && x.text.eq_ignore_ascii_case(y.text))
        })
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
        normalize(sql, Dialect::Generic).text
    }

    fn same(a: &str, b: &str) {
        let (x, y) = (normalize(a, Dialect::Generic), normalize(b, Dialect::Generic));
        assert_eq!(
            x.fingerprint, y.fingerprint,
            "{a:?} -> {:?} and {b:?} -> {:?} should share a fingerprint",
            x.text, y.text
        );
    }

    fn different(a: &str, b: &str) {
        assert_ne!(Fingerprint::of(a), Fingerprint::of(b), "{a:?} and {b:?} should differ");
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
    fn whitespace_case_and_comments_do_not_matter() {
        assert_eq!(text("SELECT   *\n\tFROM bots\r\n WHERE id=1"), "SELECT * FROM bots WHERE id=?");
        same("SELECT * FROM bots WHERE id = 1", "SELECT   *\n  FROM bots\n WHERE id=1");
        same("select * from bots where id = 1", "SELECT * FROM bots WHERE id = 2");
        same("SELECT * FROM bots WHERE id IN (1,2)", "SELECT * FROM bots WHERE id IN ( 1 , 2 )");
        assert_eq!(text("  SELECT 1  "), "SELECT ?");
        assert_eq!(
            text("SELECT * -- all columns\nFROM bots /* the table */ WHERE id = 1"),
            "SELECT * FROM bots WHERE id = ?"
        );
        assert_eq!(text("/* outer /* nested */ still comment */ SELECT 1"), "SELECT ?");
        same("SELECT * FROM bots WHERE id = 1 -- first", "SELECT * FROM bots /* x */ WHERE id = 2");
        assert_eq!(
            normalize("SELECT * FROM bots # the table\nWHERE id = 1", Dialect::MySql).text,
            "SELECT * FROM bots WHERE id = ?"
        );
    }

    /// The comment naming the loader that ends every generated statement
    /// (`/*batchload='BotById'*/`) is not part of the statement's shape: the same statement
    /// written by hand, or named for another loader, has the same fingerprint and summary.
    #[test]
    fn the_loader_comment_does_not_matter() {
        let bare = "SELECT t.`id` AS \"id\" FROM `bots` AS t WHERE t.`id` IN (SELECT value FROM json_each(?1))";
        let named = format!("{bare} /*batchload='BotById'*/");
        assert_eq!(text(&named), text(bare));
        same(&named, bare);
        same(&named, &format!("{bare} /*batchload='Other%C3%B6'*/"));
        for dialect in [Dialect::MySql, Dialect::Postgres, Dialect::Generic] {
            let (a, b) = (normalize(&named, dialect), normalize(bare, dialect));
            assert_eq!((a.text, a.summary), (b.text, b.summary));
        }
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
    fn odd_input_never_panics() {
        for sql in ["", "'", "\"", "/*", "$", "$a", "$$", "?", "-", "é = 'ü'", "SELECT (((", ")))", "x'", "\\", "#"] {
            let _ = normalize(sql, Dialect::MySql);
            let _ = normalize(sql, Dialect::Generic);
        }
        assert_eq!(normalize("", Dialect::Generic).summary, "");
        assert_eq!(text("SELECT 'unterminated"), "SELECT ?");
        assert_eq!(text("SELECT café FROM t WHERE x = 'ü'"), "SELECT café FROM t WHERE x = ?");
    }

    #[test]
    fn fingerprint_is_stable_and_displayed_as_hex() {
        let fingerprint = Fingerprint::of("SELECT 1");
        assert_eq!(fingerprint, Fingerprint::of("select 2"));
        assert_eq!(fingerprint.to_string().len(), 16);
        assert_eq!(serde_json::to_string(&fingerprint).unwrap(), format!("\"{fingerprint}\""));
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::Fingerprint;

        /// Values that may stand where a literal stands.
        fn literal() -> impl Strategy<Value = String> {
            prop_oneof![
                any::<i64>().prop_map(|n| n.to_string()),
                (0u32..100_000, 0u32..1000).prop_map(|(a, b)| format!("{a}.{b}")),
                "[a-zA-Z0-9 ,;()#*/-]{0,12}".prop_map(|s| format!("'{}'", s.replace('\'', "''"))),
                Just("$1".to_owned()),
                Just("?".to_owned()),
                Just("?3".to_owned()),
                Just(":name".to_owned()),
            ]
        }

        fn ident() -> impl Strategy<Value = String> {
            "[a-z][a-z0-9_]{0,8}".prop_filter("not a keyword", |s| {
                ![
                    "select", "from", "where", "and", "or", "in", "is", "not", "as", "by", "on", "set", "values", "e",
                    "x", "n", "b",
                ]
                .contains(&s.as_str())
            })
        }

        /// A statement with three value slots: `{0}`, `{1}`, `{2}`.
        fn template() -> impl Strategy<Value = (String, String, String, Vec<String>)> {
            (ident(), ident(), ident(), prop::collection::vec(ident(), 1..4))
        }

        fn render(table: &str, a: &str, b: &str, columns: &[String], values: [&str; 3]) -> String {
            format!(
                "SELECT {} FROM {table} WHERE {a} = {} AND {b} IN ({}, {}) ORDER BY {a}",
                columns.join(", "),
                values[0],
                values[1],
                values[2]
            )
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

            /// Literals never change the fingerprint.
            #[test]
            fn literals_never_change_it(
                (table, a, b, columns) in template(),
                first in prop::array::uniform3(literal()),
                second in prop::array::uniform3(literal()),
            ) {
                let x = render(&table, &a, &b, &columns, [&first[0], &first[1], &first[2]]);
                let y = render(&table, &a, &b, &columns, [&second[0], &second[1], &second[2]]);
                prop_assert_eq!(Fingerprint::of(&x), Fingerprint::of(&y), "{} / {}", x, y);
            }

            /// Nor does a trailing sqlcommenter comment, whatever its (URL-encoded) value.
            #[test]
            fn a_trailing_comment_never_changes_it(
                (table, a, b, columns) in template(),
                values in prop::array::uniform3(literal()),
                loader in "([A-Za-z0-9_.~-]|%[0-9A-F]{2}){1,24}",
            ) {
                let sql = render(&table, &a, &b, &columns, [&values[0], &values[1], &values[2]]);
                let commented = format!("{sql} /*batchload='{loader}'*/");
                prop_assert_eq!(Fingerprint::of(&sql), Fingerprint::of(&commented), "{}", commented);
            }

            /// Structure always does: another table, column or operator is another fingerprint.
            #[test]
            fn structure_always_changes_it(
                (table, a, b, columns) in template(),
                other in ident(),
                values in prop::array::uniform3(literal()),
                change in 0usize..4,
            ) {
                let values = [values[0].as_str(), values[1].as_str(), values[2].as_str()];
                let original = render(&table, &a, &b, &columns, values);
                let changed = match change {
                    0 => render(&format!("{table}_{other}"), &a, &b, &columns, values),
                    1 => render(&table, &format!("{a}_{other}"), &b, &columns, values),
                    2 => {
                        let mut more = columns.clone();
                        more.push(format!("{other}_extra"));
                        render(&table, &a, &b, &more, values)
                    }
                    _ => original.replacen(" = ", " < ", 1),
                };
                prop_assert_ne!(Fingerprint::of(&original), Fingerprint::of(&changed), "{} / {}", original, changed);
            }
        }
    }
}
