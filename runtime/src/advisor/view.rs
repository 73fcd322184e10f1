//! Where a view's column comes from, read from the view's definition (SQLite keeps the
//! `CREATE VIEW` text, MySQL/MariaDB a normalized `select ... from ...`): a base table's column,
//! or an expression no index on a column can serve. PostgreSQL needs none of this: its plan
//! names the base relation that applies the key filter.

use super::statement::{tokens, unquote};

/// The origin of one column of a view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A plain column of a base table: the alias the view gives the table (what plans show),
    /// the table as written in the view (may be `schema.table`), and the column.
    Column { alias: String, table: String, column: String },
    /// Computed (an expression, an aggregate, a window function, a column of a subquery):
    /// the expression's text.
    Computed(String),
}

const CLAUSE_ENDS: [&str; 8] = ["WHERE", "GROUP", "ORDER", "LIMIT", "HAVING", "UNION", "WINDOW", "EXCEPT"];
const JOIN_WORDS: [&str; 8] = ["JOIN", "INNER", "LEFT", "RIGHT", "FULL", "CROSS", "OUTER", "NATURAL"];

/// The origin of column `column` of the view defined by `definition` (`CREATE VIEW ... AS
/// SELECT ...` or the bare `SELECT`); `None` when the view has no such column or its text is
/// not understood. A column of a grouped or `DISTINCT` view is `Computed` unless it is a plain
/// column (the filter may then still reach the base table: the plan says).
pub(crate) fn origin(definition: &str, column: &str) -> Option<Origin> {
    let words = tokens(definition);
    let upper: Vec<String> = words.iter().map(|word| word.to_ascii_uppercase()).collect();
    let select = upper.iter().position(|word| word == "SELECT")?;
    // The top-level FROM of this SELECT.
    let mut depth = 0;
    let mut from = None;
    for (index, word) in upper.iter().enumerate().skip(select + 1) {
        match word.as_str() {
            "(" => depth += 1,
            ")" => depth -= 1,
            "FROM" if depth == 0 => {
                from = Some(index);
                break;
            }
            _ => {}
        }
    }
    let from = from?;
    let mut items: Vec<Vec<&str>> = vec![Vec::new()];
    let mut depth = 0;
    for word in &words[select + 1..from] {
        match word.as_str() {
            "(" => depth += 1,
            ")" => depth -= 1,
            "," if depth == 0 => {
                items.push(Vec::new());
                continue;
            }
            _ => {}
        }
        if let Some(item) = items.last_mut() {
            item.push(word);
        }
    }
    if let Some(first) = items.first_mut()
        && first.first().is_some_and(|word| word.eq_ignore_ascii_case("DISTINCT") || word.eq_ignore_ascii_case("ALL"))
    {
        first.remove(0);
    }
    let tables = from_tables(&words[from + 1..]);
    for item in items {
        let (expression, name) = split_alias(&item);
        if !unquote(&name).eq_ignore_ascii_case(column) {
            continue;
        }
        if expression.len() != 1 || expression[0] == "*" {
            return Some(Origin::Computed(expression.join(" ")));
        }
        let parts: Vec<&str> = expression[0].split('.').map(unquote).collect();
        let (alias, base_column) = match parts.as_slice() {
            [base_column] => (None, *base_column),
            [.., alias, base_column] => (Some(*alias), *base_column),
            [] => return None,
        };
        let table = match alias {
            Some(alias) => tables.iter().find(|(_, table_alias)| table_alias.eq_ignore_ascii_case(alias)),
            None if tables.len() == 1 => tables.first(),
            None => None,
        };
        return Some(match table {
            Some((table, alias)) => {
                Origin::Column { alias: alias.clone(), table: table.clone(), column: base_column.to_owned() }
            }
            None => Origin::Computed(expression.join(" ")),
        });
    }
    None
}

/// The tables a statement or view definition reads (`FROM` and `JOIN` operands, subqueries
/// included), as written (`schema.table` kept), without duplicates.
#[cfg(any(feature = "mysql", test))]
pub(crate) fn read_tables(sql: &str) -> Vec<String> {
    let words = tokens(sql);
    let mut tables: Vec<String> = Vec::new();
    for (index, word) in words.iter().enumerate() {
        let upper = word.to_ascii_uppercase();
        if upper != "FROM" && upper != "JOIN" {
            continue;
        }
        let mut next = index + 1;
        while words.get(next).is_some_and(|word| word == "(") {
            next += 1;
        }
        let Some(name) = words.get(next) else { continue };
        if name.eq_ignore_ascii_case("SELECT")
            || name.eq_ignore_ascii_case("JSON_TABLE")
            || name.eq_ignore_ascii_case("json_each")
        {
            continue;
        }
        if words.get(next + 1).is_some_and(|word| word == "(") {
            // A table function.
            continue;
        }
        let table = name.split('.').map(unquote).collect::<Vec<_>>().join(".");
        if !tables.contains(&table) {
            tables.push(table);
        }
    }
    tables
}

/// An item of a select list split into its expression and the name it gives the column.
fn split_alias<'a>(item: &[&'a str]) -> (Vec<&'a str>, String) {
    match item {
        [expression @ .., as_word, name] if as_word.eq_ignore_ascii_case("AS") => {
            (expression.to_vec(), (*name).to_owned())
        }
        [single] => (vec![*single], single.rsplit('.').next().unwrap_or(single).to_owned()),
        [expression @ .., name] if !name.contains('.') && *name != ")" && !expression.is_empty() => {
            (expression.to_vec(), (*name).to_owned())
        }
        _ => (item.to_vec(), String::new()),
    }
}

/// The (table, alias) pairs of a FROM clause (`a AS x`, `a x`, joins, MySQL's parenthesized
/// join trees); subqueries are skipped.
fn from_tables(words: &[String]) -> Vec<(String, String)> {
    let mut tables = Vec::new();
    let mut index = 0;
    let mut expect_table = true;
    let mut depth: i32 = 0;
    while index < words.len() {
        let word = &words[index];
        let upper = word.to_ascii_uppercase();
        if depth == 0 && CLAUSE_ENDS.contains(&upper.as_str()) {
            break;
        }
        match upper.as_str() {
            "(" => {
                depth += 1;
                index += 1;
                continue;
            }
            ")" => {
                depth -= 1;
                if depth < 0 {
                    break;
                }
                index += 1;
                continue;
            }
            "," => expect_table = true,
            "ON" | "USING" => {
                // Skip the join condition: up to the next join word or the end of the clause.
                index += 1;
                let mut inner = 0;
                while index < words.len() {
                    let next = words[index].to_ascii_uppercase();
                    match next.as_str() {
                        "(" => inner += 1,
                        ")" if inner == 0 => break,
                        ")" => inner -= 1,
                        "," if inner == 0 => break,
                        word if inner == 0 && (JOIN_WORDS.contains(&word) || CLAUSE_ENDS.contains(&word)) => break,
                        _ => {}
                    }
                    index += 1;
                }
                continue;
            }
            word if JOIN_WORDS.contains(&word) => expect_table = true,
            "SELECT" => {
                // A subquery: its columns are not a base table's.
                expect_table = false;
            }
            _ if expect_table => {
                let table = word.split('.').map(unquote).collect::<Vec<_>>().join(".");
                let mut next = index + 1;
                if words.get(next).is_some_and(|word| word.eq_ignore_ascii_case("AS")) {
                    next += 1;
                }
                let alias = match words.get(next) {
                    Some(alias) if is_alias(alias) => {
                        index = next;
                        unquote(alias).to_owned()
                    }
                    _ => table.rsplit('.').next().unwrap_or(&table).to_owned(),
                };
                tables.push((table, alias));
                expect_table = false;
            }
            _ => {}
        }
        index += 1;
    }
    tables
}

fn is_alias(word: &str) -> bool {
    let upper = word.to_ascii_uppercase();
    let reserved = word == "(" || word == ")" || word == "," || upper == "ON" || upper == "USING";
    !(reserved || CLAUSE_ENDS.contains(&upper.as_str()) || JOIN_WORDS.contains(&upper.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(alias: &str, table: &str, column: &str) -> Option<Origin> {
        Some(Origin::Column { alias: alias.to_owned(), table: table.to_owned(), column: column.to_owned() })
    }

    #[test]
    fn sqlite_view_over_a_join() {
        let sql = "CREATE VIEW adv_post_authors AS\nSELECT p.id, p.author_id AS author_id, a.name AS author_name\n  FROM adv_posts AS p JOIN adv_authors a ON a.id = p.author_id";
        assert_eq!(origin(sql, "id"), column("p", "adv_posts", "id"));
        assert_eq!(origin(sql, "author_id"), column("p", "adv_posts", "author_id"));
        assert_eq!(origin(sql, "author_name"), column("a", "adv_authors", "name"));
        assert_eq!(origin(sql, "missing"), None);
    }

    #[test]
    fn mysql_normalized_view() {
        let sql = "select `p`.`id` AS `id`,`p`.`author_id` AS `author_id`,`a`.`name` AS `author_name` from (`db`.`adv_posts` `p` join `db`.`adv_authors` `a` on(`a`.`id` = `p`.`author_id`))";
        assert_eq!(origin(sql, "author_id"), column("p", "db.adv_posts", "author_id"));
        assert_eq!(origin(sql, "author_name"), column("a", "db.adv_authors", "name"));
    }

    #[test]
    fn tables_read() {
        assert_eq!(
            read_tables(
                "SELECT t.`a` FROM `adv_posts` AS t WHERE t.`a` IN (SELECT k.k FROM JSON_TABLE(?, '$[*]' COLUMNS (k BIGINT PATH '$')) AS k)"
            ),
            vec!["adv_posts".to_owned()]
        );
        assert_eq!(
            read_tables(
                "select 1 from (`db`.`adv_posts` `p` join `db`.`adv_authors` `a` on(`a`.`id` = `p`.`author_id`))"
            ),
            vec!["db.adv_posts".to_owned(), "db.adv_authors".to_owned()]
        );
    }

    #[test]
    fn computed_columns() {
        let sql = "CREATE VIEW c AS SELECT author_id, COUNT(*) AS posts FROM adv_posts GROUP BY author_id";
        assert_eq!(origin(sql, "author_id"), column("adv_posts", "adv_posts", "author_id"));
        assert_eq!(origin(sql, "posts"), Some(Origin::Computed("COUNT ( * )".to_owned())));
        let mysql = "select `db`.`adv_posts`.`author_id` AS `author_id`,count(0) AS `posts` from `db`.`adv_posts` group by `db`.`adv_posts`.`author_id`";
        assert_eq!(origin(mysql, "author_id"), column("adv_posts", "db.adv_posts", "author_id"));
        assert_eq!(origin(mysql, "posts"), Some(Origin::Computed("count ( 0 )".to_owned())));
    }
}
