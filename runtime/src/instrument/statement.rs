//! The shape of a statement read from its tokens: operation, main table, the tables it joins,
//! the column its `WHERE` clause looks rows up by and the table that column belongs to, the
//! number of parameters, and its kind. N+1 advice is built from it; fingerprints are not.

use std::fmt;

use serde::Serialize;

use super::lexer::{Kind, Token};

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

/// The shape of one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StatementShape {
    /// OpenTelemetry `db.operation.name`: the first keyword in upper case (`SELECT`), or the
    /// main statement's after a `WITH` clause; `CREATE TABLE` for DDL.
    pub(crate) operation: String,
    /// The main table (quotes removed, `schema.table` kept), when there is one.
    pub(crate) table: Option<String>,
    /// The other tables of the top-level `FROM` clause (joins, comma joins), in order.
    pub(crate) joined: Vec<String>,
    /// The column the `WHERE` clause looks rows up by: the first top-level predicate
    /// `[alias.]column = <value>` (else `[alias.]column IN ...`), quotes and alias removed.
    pub(crate) where_column: Option<String>,
    /// The table `where_column` belongs to: resolved through its alias, or the only table
    /// when the column is unqualified; `None` when unqualified in a join.
    pub(crate) key_table: Option<String>,
    /// Distinct bind parameters (`$1` twice is one; an `IN` list of placeholders is one), or,
    /// for a statement with its values written inline, the values of its `WHERE` clause.
    pub(crate) parameters: usize,
    /// Query, transaction control or session setup.
    pub(crate) kind: StatementKind,
}

const MAIN_STATEMENTS: &[&str] = &["select", "insert", "update", "delete", "replace"];

/// Words that end a `FROM` clause.
const CLAUSE_END: &[&str] = &[
    "where",
    "group",
    "order",
    "limit",
    "having",
    "union",
    "intersect",
    "except",
    "returning",
    "window",
    "offset",
    "for",
    "fetch",
];

/// Words that cannot be a table alias.
const NOT_ALIAS: &[&str] = &[
    "on",
    "using",
    "join",
    "left",
    "right",
    "inner",
    "outer",
    "cross",
    "natural",
    "full",
    "lateral",
    "straight_join",
    "set",
    "values",
    "where",
    "group",
    "order",
    "limit",
    "having",
    "union",
    "intersect",
    "except",
    "returning",
    "window",
    "offset",
    "for",
    "fetch",
    "default",
];

fn is_any(token: &Token<'_>, words: &[&str]) -> bool {
    words.iter().any(|word| token.is_word(word))
}

/// One entry of a `FROM` clause: a table (or a subquery, with no name) and its alias.
struct TableRef {
    name: Option<String>,
    alias: Option<String>,
}

impl TableRef {
    /// Whether `qualifier` (an alias or a table name) designates this entry.
    fn is(&self, qualifier: &str) -> bool {
        self.alias.as_deref().is_some_and(|alias| alias.eq_ignore_ascii_case(qualifier))
            || self.name.as_deref().is_some_and(|name| {
                name.eq_ignore_ascii_case(qualifier)
                    || name.rsplit('.').next().is_some_and(|bare| bare.eq_ignore_ascii_case(qualifier))
            })
    }
}

impl StatementShape {
    fn empty(operation: String, kind: StatementKind) -> Self {
        Self { operation, table: None, joined: Vec::new(), where_column: None, key_table: None, parameters: 0, kind }
    }

    /// The shape of the statement made of `tokens`.
    pub(crate) fn of(tokens: &[Token<'_>]) -> Self {
        let Some(first) = tokens.iter().position(|t| t.kind == Kind::Word) else {
            return Self::empty(String::new(), StatementKind::Query);
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
                } else if depth == 0 && is_any(token, MAIN_STATEMENTS) {
                    start = index;
                    break;
                }
            }
        }
        let operation = tokens[start].text.to_ascii_uppercase();
        let kind = kind_of(tokens, &operation);
        let rest = &tokens[start + 1..];
        let from: Vec<TableRef> = match operation.as_str() {
            "SELECT" | "DELETE" => top_level_after(rest, "from").map(|at| from_clause(&rest[at..])).unwrap_or_default(),
            "INSERT" | "REPLACE" => top_level_after(rest, "into")
                .and_then(|at| table_name(&rest[at..]))
                .map(|(name, _)| vec![TableRef { name: Some(name), alias: None }])
                .unwrap_or_default(),
            "UPDATE" => {
                let skip = usize::from(rest.first().is_some_and(|t| t.is_word("or"))) * 2;
                let skip = skip + usize::from(rest.get(skip).is_some_and(|t| t.is_word("only")));
                rest.get(skip..).map(from_clause).unwrap_or_default()
            }
            "CREATE" | "DROP" | "ALTER" | "TRUNCATE" => {
                let operation = match rest.first().filter(|t| t.kind == Kind::Word) {
                    Some(object) => format!("{operation} {}", object.text.to_ascii_uppercase()),
                    None => operation,
                };
                return Self::empty(operation, kind);
            }
            _ => Vec::new(),
        };
        // A FROM clause starting with a subquery has no main table.
        let table = from.first().and_then(|entry| entry.name.clone());
        let joined: Vec<String> = from.iter().skip(1).filter_map(|entry| entry.name.clone()).collect();
        let where_at = top_level_after(rest, "where");
        let (where_column, key_table) = match where_at.and_then(|at| key_predicate(&rest[at..])) {
            Some((qualifier, column)) => {
                let owner = match qualifier {
                    Some(qualifier) => {
                        from.iter().find(|entry| entry.is(&qualifier)).and_then(|entry| entry.name.clone())
                    }
                    None if from.len() == 1 => table.clone(),
                    None => None,
                };
                (Some(column), owner)
            }
            None => (None, None),
        };
        let parameters = parameters(tokens, where_at.map(|at| &rest[at..]));
        Self { operation, table, joined, where_column, key_table, parameters, kind }
    }

    /// OpenTelemetry `db.query.summary`: operation and main table, e.g. `SELECT bot_stances`;
    /// just the operation when there is no table (`BEGIN`, `PRAGMA`).
    pub(crate) fn summary(&self) -> String {
        match &self.table {
            Some(table) => format!("{} {table}", self.operation),
            None => self.operation.clone(),
        }
    }

    /// Whether the statement writes rows (`INSERT`, `UPDATE`, `DELETE`, `REPLACE`).
    pub(crate) fn is_write(&self) -> bool {
        matches!(self.operation.as_str(), "INSERT" | "UPDATE" | "DELETE" | "REPLACE")
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

/// If `tokens[open]` is `(`, the index of the matching `)`.
pub(crate) fn group_end(tokens: &[Token<'_>], open: usize) -> Option<usize> {
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

/// `name`, `"name"` or `schema.name` at the start of `tokens`, and the tokens it takes.
fn table_name(tokens: &[Token<'_>]) -> Option<(String, usize)> {
    let first = tokens.first()?.ident()?;
    if tokens.get(1).is_some_and(|t| t.is_punct(".") && !t.space_before)
        && let Some(second) = tokens.get(2).and_then(Token::ident)
    {
        return Some((format!("{first}.{second}"), 3));
    }
    Some((first.to_owned(), 1))
}

/// The optional alias at the start of `tokens` (`AS a`, or a bare `a`), and the tokens it takes.
fn alias(tokens: &[Token<'_>]) -> (Option<String>, usize) {
    let explicit = usize::from(tokens.first().is_some_and(|t| t.is_word("as")));
    match tokens.get(explicit) {
        Some(token) if token.ident().is_some() && (explicit == 1 || !is_any(token, NOT_ALIAS)) => {
            (token.ident().map(str::to_owned), explicit + 1)
        }
        _ => (None, 0),
    }
}

/// The tables of a `FROM` clause (or an `UPDATE` target list) starting at `tokens[0]`.
fn from_clause(tokens: &[Token<'_>]) -> Vec<TableRef> {
    let mut refs = Vec::new();
    let mut expect_table = true;
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        if is_any(token, CLAUSE_END) || token.is_word("set") || token.is_punct(";") {
            break;
        }
        if token.is_punct("(") {
            i = group_end(tokens, i).map_or(tokens.len(), |end| end + 1);
            if expect_table {
                let (alias, taken) = alias(&tokens[i.min(tokens.len())..]);
                refs.push(TableRef { name: None, alias });
                i += taken;
                expect_table = false;
            }
            continue;
        }
        if expect_table
            && !is_any(token, NOT_ALIAS)
            && let Some((name, taken)) = table_name(&tokens[i..])
        {
            i += taken;
            let (alias, taken) = alias(&tokens[i..]);
            i += taken;
            refs.push(TableRef { name: Some(name), alias });
            expect_table = false;
            continue;
        }
        if token.is_punct(",") || token.is_word("join") || token.is_word("straight_join") {
            expect_table = true;
        }
        i += 1;
    }
    refs
}

/// The first top-level predicate of a `WHERE` clause (starting at `tokens[0]`) that looks rows
/// up by a column: `[q.]column = <value>` (preferred) or `[q.]column IN ...`, as
/// (qualifier, column). Subqueries are skipped.
fn key_predicate(tokens: &[Token<'_>]) -> Option<(Option<String>, String)> {
    let mut depth = 0usize;
    let mut fallback = None;
    let mut i = 0;
    while i < tokens.len() {
        let at = i;
        let token = &tokens[at];
        i += 1;
        if token.is_punct("(") {
            // A subquery's predicates are not the statement's.
            if tokens.get(at + 1).is_some_and(|t| t.is_word("select")) {
                i = group_end(tokens, at).map_or(tokens.len(), |end| end + 1);
            } else {
                depth += 1;
            }
            continue;
        }
        if token.is_punct(")") {
            if depth == 0 {
                break;
            }
            depth -= 1;
            continue;
        }
        if depth == 0 && is_any(token, CLAUSE_END) {
            break;
        }
        let Some(column) = token.ident() else { continue };
        if tokens.get(at + 1).is_some_and(|t| t.is_punct(".")) || (at > 0 && tokens[at - 1].is_punct(":")) {
            continue;
        }
        let qualifier = (at >= 2 && tokens[at - 1].is_punct(".")).then(|| tokens[at - 2].ident()).flatten();
        let Some(next) = tokens.get(at + 1) else { break };
        if next.is_punct("=") && tokens.get(at + 2).is_some_and(|value| value.kind.is_value()) {
            return Some((qualifier.map(str::to_owned), column.to_owned()));
        }
        if fallback.is_none() && (next.is_punct("=") || next.is_word("in")) && !token.is_word("in") {
            fallback = Some((qualifier.map(str::to_owned), column.to_owned()));
        }
    }
    fallback
}

/// Distinct bind parameters of `tokens`, or the inline values of the `WHERE` clause.
fn parameters(tokens: &[Token<'_>], where_clause: Option<&[Token<'_>]>) -> usize {
    let mut seen: Vec<&str> = Vec::new();
    for token in tokens.iter().filter(|t| t.kind == Kind::Placeholder) {
        // Unnumbered `?` are each a parameter; `$1`, `?1`, `:name` repeat one.
        if token.text == "?" || !seen.contains(&token.text) {
            seen.push(token.text);
        }
    }
    if !seen.is_empty() {
        return seen.len();
    }
    where_clause.map_or(0, |clause| {
        let end = clause.iter().position(|t| is_any(t, CLAUSE_END)).unwrap_or(clause.len());
        clause[..end].iter().filter(|t| t.kind == Kind::Literal).count()
    })
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

#[cfg(test)]
mod tests {
    use super::super::lexer::{Dialect, tokenize};
    use super::*;

    fn shape(sql: &str) -> StatementShape {
        StatementShape::of(&tokenize(sql, Dialect::Generic))
    }

    #[test]
    fn summary_operation_table_and_where_column() {
        let s = shape(
            "SELECT t.`id` AS \"id\" FROM `bot_stances` AS t WHERE t.`bot_id` IN (SELECT value FROM json_each(?1)) ORDER BY t.`id`",
        );
        assert_eq!(s.summary(), "SELECT bot_stances");
        assert_eq!(s.operation, "SELECT");
        assert_eq!(s.table.as_deref(), Some("bot_stances"));
        assert_eq!(s.where_column.as_deref(), Some("bot_id"));
        assert_eq!(s.key_table.as_deref(), Some("bot_stances"));
        assert_eq!((s.kind, s.parameters), (StatementKind::Query, 1));

        let s = shape("select * from public.bots b where (b.id = 3)");
        assert_eq!((s.summary().as_str(), s.where_column.as_deref()), ("SELECT public.bots", Some("id")));
        assert_eq!(s.key_table.as_deref(), Some("public.bots"));
        assert_eq!(shape("INSERT OR REPLACE INTO bots (id) VALUES (1)").summary(), "INSERT bots");
        assert_eq!(shape("UPDATE bots SET name = 'x' WHERE id = 1").summary(), "UPDATE bots");
        assert_eq!(shape("DELETE FROM bots WHERE id = 1").where_column.as_deref(), Some("id"));
        assert_eq!(shape("WITH x AS (SELECT 1) SELECT * FROM x_table").summary(), "SELECT x_table");
        assert_eq!(shape("SELECT COUNT(*) FROM (SELECT 1) AS s").summary(), "SELECT");
        assert_eq!(shape("CREATE TABLE t (id INTEGER)").summary(), "CREATE TABLE");
        assert_eq!(shape("SELECT * FROM bots WHERE name LIKE 'a%'").where_column, None);
        assert_eq!(shape("BEGIN").summary(), "BEGIN");
    }

    #[test]
    fn a_join_names_the_table_the_key_belongs_to() {
        let s = shape(
            "SELECT t.id, t.name FROM tags t JOIN article_tags AS at ON at.tag_id = t.id WHERE at.article_id = $1",
        );
        assert_eq!(s.table.as_deref(), Some("tags"));
        assert_eq!(s.joined, ["article_tags"]);
        assert_eq!((s.where_column.as_deref(), s.key_table.as_deref()), (Some("article_id"), Some("article_tags")));
        let s = shape("SELECT * FROM a LEFT OUTER JOIN b ON b.a_id = a.id, c WHERE b.x = 1 AND c.y = 2");
        assert_eq!(s.joined, ["b", "c"]);
        assert_eq!(s.key_table.as_deref(), Some("b"));
        // Qualified by the table's own name; unqualified in a join: not known.
        assert_eq!(shape("SELECT * FROM a JOIN b ON b.id = a.b_id WHERE b.k = ?").key_table.as_deref(), Some("b"));
        assert_eq!(shape("SELECT * FROM a JOIN b ON b.id = a.b_id WHERE k = ?").key_table, None);
    }

    #[test]
    fn parameters_are_counted_once_each() {
        assert_eq!(shape("SELECT * FROM t WHERE a = $1 AND b = $2 AND c = $1").parameters, 2);
        assert_eq!(shape("SELECT * FROM t WHERE a = ? AND b = ?").parameters, 2);
        assert_eq!(shape("SELECT * FROM t WHERE a = 4 AND b = 'x' ORDER BY c LIMIT 3").parameters, 2);
        let viewer = shape(
            "SELECT a.id, (SELECT COUNT(*) FROM likes l WHERE l.article_id = a.id AND l.user_id = $2) AS liked \
             FROM articles a WHERE a.author_id = $1",
        );
        assert_eq!((viewer.parameters, viewer.where_column.as_deref()), (2, Some("author_id")));
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
            assert_eq!(shape(sql).kind, StatementKind::Transaction, "{sql}");
        }
        for sql in ["PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL;", "SET search_path = x", "RESET ALL"] {
            assert_eq!(shape(sql).kind, StatementKind::Session, "{sql}");
        }
        for sql in
            ["SELECT 1", "INSERT INTO t VALUES (1)", "WITH a AS (SELECT 1) SELECT * FROM a", "UPDATE t SET a = 1"]
        {
            assert_eq!(shape(sql).kind, StatementKind::Query, "{sql}");
        }
    }
}
