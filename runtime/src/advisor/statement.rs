//! What the advisor analyzes: one loader statement (derived or hand-written), and the SQL text
//! helpers the backends share (placeholders, the alias of the key table, `ORDER BY`).

use crate::LoaderInfo;

/// One loader statement to analyze: what a derived loader registers ([`LoaderInfo`], converted
/// with `From`), or a hand-written loader described with [`LoaderStatement::new`].
///
/// The advisor needs the statement's SQL, the table whose column(s) the key list is matched
/// against (the *key table*: a table, a view, a partitioned or inheritance parent) and those
/// columns. Every other bind parameter of a hand-written statement is planned without a value
/// (see the [module documentation](super) for what each backend binds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoaderStatement {
    pub(crate) name: String,
    pub(crate) database: Option<&'static str>,
    pub(crate) table: String,
    pub(crate) key_columns: Vec<String>,
    pub(crate) sql: String,
    pub(crate) unique: bool,
    pub(crate) order_by: Option<String>,
}

impl LoaderStatement {
    /// A hand-written loader `name` whose statement `sql` matches its key list (bind parameter
    /// 1: `$1` on PostgreSQL, `?1` or the first `?` on SQLite, the first `?` on MySQL) against
    /// `key_column` of `table` (written as in the SQL, optionally `schema.table`). A group
    /// (one-to-many) loader; see [`LoaderStatement::unique`] and [`LoaderStatement::order_by`].
    pub fn new(
        name: impl Into<String>,
        table: impl Into<String>,
        key_column: impl Into<String>,
        sql: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            database: None,
            table: table.into(),
            key_columns: vec![key_column.into()],
            sql: sql.into(),
            unique: false,
            order_by: None,
        }
    }

    /// Marks the loader one-to-one (`key`): the advisor then checks that a unique index or the
    /// primary key backs the key column(s).
    #[must_use]
    pub fn unique(mut self) -> Self {
        self.unique = true;
        self
    }

    /// The column each key's rows are ordered by: suggestions become `(key, order_by)`.
    #[must_use]
    pub fn order_by(mut self, column: impl Into<String>) -> Self {
        self.order_by = Some(column.into());
        self
    }

    /// The loader's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl From<&LoaderInfo> for LoaderStatement {
    fn from(info: &LoaderInfo) -> Self {
        Self {
            name: info.loader.to_owned(),
            database: Some(info.database),
            table: info.table.to_owned(),
            key_columns: info.key_column.split(',').map(|column| column.trim().to_owned()).collect(),
            sql: info.sql.to_owned(),
            unique: info.unique,
            order_by: info.order_by.map(str::to_owned),
        }
    }
}

impl From<LoaderInfo> for LoaderStatement {
    fn from(info: LoaderInfo) -> Self {
        Self::from(&info)
    }
}

impl From<&LoaderStatement> for LoaderStatement {
    fn from(statement: &LoaderStatement) -> Self {
        statement.clone()
    }
}

impl LoaderStatement {
    #[cfg(any(feature = "sqlite", feature = "postgres", test))]
    /// The table without its schema.
    pub(crate) fn bare_table(&self) -> &str {
        bare(&self.table)
    }

    #[cfg(any(feature = "sqlite", feature = "mysql", test))]
    /// A composite key's columns after the first (an index led by any key column serves the
    /// tuple filter); none for a view, whose key is traced through its definition as one column.
    pub(crate) fn other_key_columns(&self, is_view: bool) -> &[String] {
        if is_view { &[] } else { self.key_columns.get(1..).unwrap_or_default() }
    }

    /// The columns a suggested index gets: the key column(s), then `order_by` when it is not
    /// one of them.
    pub(crate) fn index_columns(&self) -> Vec<String> {
        let mut columns = self.key_columns.clone();
        if let Some(order_by) = &self.order_by
            && !columns.iter().any(|column| column.eq_ignore_ascii_case(order_by))
        {
            columns.push(order_by.clone());
        }
        columns
    }
}

/// `name` without a `schema.` prefix.
pub(crate) fn bare(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// An identifier without its quotes (`"x"`, `` `x` ``, `[x]`).
pub(crate) fn unquote(name: &str) -> &str {
    let name = name.trim();
    let quoted = |open: char, close: char| name.len() >= 2 && name.starts_with(open) && name.ends_with(close);
    if quoted('"', '"') || quoted('`', '`') || quoted('[', ']') { &name[1..name.len() - 1] } else { name }
}

/// One piece of SQL text: code, a quoted piece, or a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    /// Code (keywords, operators, unquoted names, placeholders).
    Code(&'a str),
    /// A string literal or a quoted identifier, quotes included.
    Quoted(&'a str),
    /// A comment, delimiters included: `/* ... */` (such as the `/*batchload='...'*/` that
    /// ends every generated statement) or `--` to the end of the line.
    Comment(&'a str),
}

/// Splits `sql` into code, quoted pieces ('...', "...", `...`) and comments (`/* */`, `--`),
/// so placeholders and keywords are only looked for in code.
pub(crate) fn pieces(sql: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let bytes = sql.as_bytes();
    let mut start = 0;
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        let next = bytes.get(at + 1).copied();
        let end = if byte == b'\'' || byte == b'"' || byte == b'`' {
            let mut end = at + 1;
            loop {
                match bytes.get(end) {
                    None => break,
                    Some(&found) if found == byte => {
                        if bytes.get(end + 1) == Some(&byte) {
                            end += 2;
                            continue;
                        }
                        end += 1;
                        break;
                    }
                    Some(_) => end += 1,
                }
            }
            end
        } else if byte == b'/' && next == Some(b'*') {
            sql[at + 2..].find("*/").map_or(bytes.len(), |close| at + 2 + close + 2)
        } else if byte == b'-' && next == Some(b'-') {
            sql[at..].find('\n').map_or(bytes.len(), |newline| at + newline)
        } else {
            at += 1;
            continue;
        };
        if start < at {
            out.push(Piece::Code(&sql[start..at]));
        }
        out.push(if byte == b'/' || byte == b'-' {
            Piece::Comment(&sql[at..end])
        } else {
            Piece::Quoted(&sql[at..end])
        });
        start = end;
        at = end;
    }
    if start < bytes.len() {
        out.push(Piece::Code(&sql[start..]));
    }
    out
}

/// The bind parameters of `sql` in order of first appearance: `$n` (PostgreSQL), `?n`
/// (SQLite) by number; each bare `?` (SQLite, MySQL) is the next number.
pub(crate) fn parameters(sql: &str) -> Vec<usize> {
    let mut found: Vec<usize> = Vec::new();
    let mut next_bare = 1;
    for piece in pieces(sql) {
        let Piece::Code(code) = piece else { continue };
        let bytes = code.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            if bytes[at] == b'$' || bytes[at] == b'?' {
                let digits = bytes[at + 1..].iter().take_while(|byte| byte.is_ascii_digit()).count();
                let number = if digits > 0 {
                    code[at + 1..at + 1 + digits].parse().unwrap_or(0)
                } else if bytes[at] == b'?' {
                    let number = next_bare;
                    next_bare += 1;
                    number
                } else {
                    0
                };
                if number > 0 && !found.contains(&number) {
                    found.push(number);
                }
                at += 1 + digits;
            } else {
                at += 1;
            }
        }
    }
    found
}

/// `sql` without its last top-level `ORDER BY` clause (outside quotes and parentheses).
#[cfg(any(feature = "postgres", test))]
pub(crate) fn without_order_by(sql: &str) -> &str {
    let mut depth: i32 = 0;
    let mut cut = None;
    let mut offset = 0;
    for piece in pieces(sql) {
        match piece {
            Piece::Quoted(text) | Piece::Comment(text) => offset += text.len(),
            Piece::Code(code) => {
                let upper = code.to_ascii_uppercase();
                for (index, byte) in upper.bytes().enumerate() {
                    match byte {
                        b'(' => depth += 1,
                        b')' => depth -= 1,
                        b'O' if depth == 0 && upper[index..].starts_with("ORDER BY") => {
                            let before = upper[..index].chars().next_back();
                            if before.is_none_or(|c| c.is_whitespace()) {
                                cut = Some(offset + index);
                            }
                        }
                        _ => {}
                    }
                }
                offset += code.len();
            }
        }
    }
    match cut {
        Some(at) => sql[..at].trim_end(),
        None => sql,
    }
}

#[cfg(any(feature = "sqlite", feature = "mysql", test))]
/// The alias under which `sql` filters `table` by the key list (`FROM "table" AS t`, `JOIN
/// table pt`): the name a plan uses for the rows the index must serve; the bare table name
/// when it has no alias. A statement reading the table twice (a top-N statement joining the
/// table back by primary key, a `LATERAL` per key) filters only one of its aliases by the key
/// list: the one whose `alias.<key_column>` is followed by `IN` or `= ANY`; otherwise the
/// first alias.
pub(crate) fn alias_of(sql: &str, table: &str, key_column: &str) -> String {
    let tokens = tokens(sql);
    let aliases = aliases(&tokens, table);
    let filters_keys = |alias: &String| {
        tokens.windows(3).any(|window| {
            let qualified = window[0].split_once('.').is_some_and(|(qualifier, column)| {
                unquote(qualifier).eq_ignore_ascii_case(alias) && unquote(column).eq_ignore_ascii_case(key_column)
            });
            let compared = window[1].eq_ignore_ascii_case("IN")
                || (window[1] == "=" && window[2].to_ascii_uppercase().starts_with("ANY"));
            qualified && compared
        })
    };
    let chosen = aliases.iter().find(|alias| filters_keys(alias)).or_else(|| aliases.first());
    chosen.cloned().unwrap_or_else(|| bare(table).to_owned())
}

#[cfg(any(feature = "sqlite", feature = "mysql", test))]
/// Every alias `table` has in `tokens`, in order (its bare name where it has none).
fn aliases(tokens: &[String], table: &str) -> Vec<String> {
    let wanted = bare(table);
    let mut found = Vec::new();
    for (index, token) in tokens.iter().enumerate() {
        let name = token.rsplit('.').next().map(unquote).unwrap_or("");
        let full = token.split('.').map(unquote).collect::<Vec<_>>().join(".");
        let previous = index.checked_sub(1).and_then(|at| tokens.get(at)).map(|word| word.to_ascii_uppercase());
        let after_from = matches!(previous.as_deref(), Some("FROM" | "JOIN"));
        if after_from && (name.eq_ignore_ascii_case(wanted) || full.eq_ignore_ascii_case(table)) {
            let mut next = index + 1;
            if tokens.get(next).is_some_and(|word| word.eq_ignore_ascii_case("AS")) {
                next += 1;
            }
            let keyword =
                ["WHERE", "JOIN", "INNER", "LEFT", "RIGHT", "ON", "CROSS", "ORDER", "GROUP", "LIMIT", ",", ")"];
            let alias = tokens.get(next).filter(|alias| !keyword.contains(&alias.to_ascii_uppercase().as_str()));
            found.push(alias.map_or_else(|| wanted.to_owned(), |alias| unquote(alias).to_owned()));
        }
    }
    found
}

#[cfg(any(feature = "sqlite", feature = "mysql", test))]
/// Whitespace-separated words of `sql`, with `,`, `(` and `)` as words of their own (quoted
/// pieces stay whole, comments separate words like whitespace).
pub(crate) fn tokens(sql: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    for piece in pieces(sql) {
        match piece {
            Piece::Quoted(text) => current.push_str(text),
            // A comment separates words, like whitespace.
            Piece::Comment(_) => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            Piece::Code(code) => {
                for c in code.chars() {
                    if c.is_whitespace() || c == ',' || c == '(' || c == ')' {
                        if !current.is_empty() {
                            out.push(std::mem::take(&mut current));
                        }
                        if !c.is_whitespace() {
                            out.push(c.to_string());
                        }
                    } else {
                        current.push(c);
                    }
                }
            }
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_outside_quotes() {
        assert_eq!(parameters("SELECT 1 WHERE a = ANY($1) AND b = $2 AND c = '$3' AND d = $1"), vec![1, 2]);
        assert_eq!(parameters("SELECT 1 WHERE a IN (SELECT value FROM json_each(?1)) AND b = ?2"), vec![1, 2]);
        assert_eq!(
            parameters(
                "SELECT '?' FROM t WHERE a IN (SELECT k.k FROM JSON_TABLE(?, '$[*]' COLUMNS (k BIGINT PATH '$')) AS k) AND b = ?"
            ),
            vec![1, 2]
        );
        assert_eq!(parameters("SELECT 1"), Vec::<usize>::new());
    }

    #[test]
    fn order_by_is_cut_at_the_top_level() {
        assert_eq!(without_order_by("SELECT a FROM t WHERE x = 1 ORDER BY t.a, t.id"), "SELECT a FROM t WHERE x = 1");
        assert_eq!(
            without_order_by("SELECT a FROM (SELECT a FROM t ORDER BY a) AS s WHERE b = 'ORDER BY'"),
            "SELECT a FROM (SELECT a FROM t ORDER BY a) AS s WHERE b = 'ORDER BY'"
        );
        assert_eq!(without_order_by("SELECT a FROM t"), "SELECT a FROM t");
    }

    /// The comment naming the loader (`/*batchload='...'*/`, or a comment of a hand-written
    /// statement) never counts as SQL: its quotes, `?`, `$1` and `ORDER BY` are not read.
    #[test]
    fn comments_are_not_sql() {
        let generated = "SELECT t.\"id\" AS \"id\" FROM \"bots\" AS t WHERE t.\"id\" = ANY($1) ORDER BY t.\"id\" /*batchload='BotById'*/";
        assert_eq!(parameters(generated), vec![1]);
        assert_eq!(
            without_order_by(generated),
            "SELECT t.\"id\" AS \"id\" FROM \"bots\" AS t WHERE t.\"id\" = ANY($1)"
        );
        assert_eq!(alias_of(generated, "bots", "id"), "t");
        assert_eq!(parameters("SELECT 1 FROM t WHERE a = ? /* b = ? */ -- c = $2"), vec![1]);
        assert_eq!(
            without_order_by("SELECT a FROM t WHERE b = ?1 /* ORDER BY is not here */"),
            "SELECT a FROM t WHERE b = ?1 /* ORDER BY is not here */"
        );
        assert_eq!(tokens("FROM bots/*x*/AS b"), vec!["FROM", "bots", "AS", "b"]);
    }

    #[test]
    fn the_key_filter_alias_of_a_top_n_statement() {
        let sqlite = "SELECT b.`id` AS \"id\", b.`chat_id` AS \"chat_id\" FROM `messages` AS b INNER JOIN (SELECT t.`id`, \
                      ROW_NUMBER() OVER (PARTITION BY t.`chat_id` ORDER BY t.`created_at` DESC) AS rn FROM `messages` AS t \
                      WHERE t.`chat_id` IN (SELECT value FROM json_each(?1))) AS r ON r.`id` = b.`id` WHERE r.rn <= 30 \
                      ORDER BY b.`chat_id`, r.rn";
        assert_eq!(alias_of(sqlite, "messages", "chat_id"), "t");
        let postgres = "SELECT b.\"id\" FROM \"messages\" AS b INNER JOIN (SELECT t.\"id\", ROW_NUMBER() OVER \
                        (PARTITION BY t.\"chat_id\" ORDER BY t.\"id\") AS rn FROM \"messages\" AS t WHERE \
                        t.\"chat_id\" = ANY($1)) AS r ON r.\"id\" = b.\"id\" WHERE r.rn <= 3";
        assert_eq!(alias_of(postgres, "messages", "chat_id"), "t");
        // One occurrence: the alias, whatever the filter looks like.
        assert_eq!(alias_of("SELECT t.`a` FROM `bots` AS t WHERE t.`a` IN (1)", "bots", "a"), "t");
        assert_eq!(alias_of("SELECT a FROM bots WHERE a = 1", "bots", "a"), "bots");
    }

    #[test]
    fn aliases() {
        assert_eq!(alias_of("SELECT t.`a` FROM `bots` AS t WHERE t.`a` IN (1)", "bots", "a"), "t");
        assert_eq!(
            alias_of(
                "SELECT pt.a FROM adv_post_tags AS pt JOIN adv_tags AS g ON g.id = pt.tag_id",
                "adv_post_tags",
                "a"
            ),
            "pt"
        );
        assert_eq!(alias_of("SELECT pt.a FROM adv_post_tags pt, x", "adv_tags", "a"), "adv_tags");
        assert_eq!(alias_of("SELECT a FROM \"app\".\"bots\" AS b", "app.bots", "a"), "b");
        assert_eq!(alias_of("SELECT a FROM bots WHERE a = 1", "bots", "a"), "bots");
        // Top-N, join-back form: the table's first alias `b` is probed by primary key; `t`
        // is the one filtered by the key list.
        let join_back = "SELECT b.`id` AS \"id\" FROM `reactions` AS b INNER JOIN (SELECT t.`id`, ROW_NUMBER() OVER \
                         (PARTITION BY t.`message_id` ORDER BY t.`score` DESC) AS rn FROM `reactions` AS t WHERE \
                         t.`message_id` IN (SELECT value FROM json_each(?1))) AS r ON r.`id` = b.`id` WHERE r.rn <= 3";
        assert_eq!(alias_of(join_back, "reactions", "message_id"), "t");
        // Top-N, PostgreSQL's LATERAL form: `b` is compared with each key, `t` with the list.
        let lateral = "SELECT l.\"id\" AS \"id\" FROM (SELECT DISTINCT t.\"message_id\" FROM \"reactions\" AS t WHERE \
                       t.\"message_id\" = ANY($1)) AS k CROSS JOIN LATERAL (SELECT b.* FROM \"reactions\" AS b WHERE \
                       b.\"message_id\" = k.\"message_id\" LIMIT 3) AS l";
        assert_eq!(alias_of(lateral, "reactions", "message_id"), "t");
        assert_eq!(
            alias_of(&lateral.replace("AS t WHERE", "AS u WHERE").replace("t.\"", "u.\""), "reactions", "message_id"),
            "u"
        );
    }

    #[test]
    fn the_key_alias_is_the_filtered_one() {
        let top_n = "SELECT b.`id` AS \"id\" FROM `reactions` AS b INNER JOIN (SELECT t.`id`, ROW_NUMBER() OVER \
                     (PARTITION BY t.`message_id` ORDER BY t.`score` DESC) AS rn FROM `reactions` AS t WHERE t.`message_id` \
                     IN (SELECT value FROM json_each(?1))) AS r ON r.`id` = b.`id` WHERE r.rn <= 3 ORDER BY b.`message_id`, r.rn \
                     /*batchload='ReactionByMessageId'*/";
        assert_eq!(alias_of(top_n, "reactions", "message_id"), "t");
        assert_eq!(alias_of("SELECT t.\"id\" FROM \"bots\" AS t WHERE t.\"id\" = ANY($1)", "bots", "id"), "t");
        // No filter on the key column by an alias: the first alias.
        assert_eq!(alias_of("SELECT a FROM bots AS x WHERE y = ?", "bots", "id"), "x");
    }

    #[test]
    fn quoted_pieces() {
        assert_eq!(
            pieces("a 'it''s' \"x\" b"),
            vec![
                Piece::Code("a "),
                Piece::Quoted("'it''s'"),
                Piece::Code(" "),
                Piece::Quoted("\"x\""),
                Piece::Code(" b")
            ]
        );
        assert_eq!(
            pieces("a /* '$1' */ b -- ? x\nc /* open"),
            vec![
                Piece::Code("a "),
                Piece::Comment("/* '$1' */"),
                Piece::Code(" b "),
                Piece::Comment("-- ? x"),
                Piece::Code("\nc "),
                Piece::Comment("/* open"),
            ]
        );
        assert_eq!(unquote("`x`"), "x");
        assert_eq!(unquote("\"x\""), "x");
    }
}
