// Runtime-checked SQL text shared by every backend test crate: statements are written once,
// with PostgreSQL's numbered placeholders, and converted for the including crate's `type Db`.

/// `text`, written with numbered placeholders (`$1`, `$2`, ...), as a statement for [`Db`]:
/// unchanged for PostgreSQL and SQLite (which accepts `$n` too), with every placeholder turned
/// into `?` for MySQL, which binds by position. Text inside single-quoted literals is kept.
///
/// # Panics
/// On MySQL, when the placeholders are not `$1`, `$2`, ... each once and in order: positional
/// `?` could not bind them as written.
pub fn sql(text: &str) -> String {
    if <Db as sqlx::Database>::NAME != "MySQL" {
        return text.to_owned();
    }
    let mut converted = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_literal = false;
    let mut expected = 1u32;
    while let Some(c) = chars.next() {
        if c == '\'' {
            in_literal = !in_literal;
        } else if c == '$' && !in_literal && chars.peek().is_some_and(char::is_ascii_digit) {
            let mut number = 0u32;
            while let Some(digit) = chars.peek().and_then(|d| d.to_digit(10)) {
                number = number * 10 + digit;
                chars.next();
            }
            assert_eq!(number, expected, "placeholders must be $1, $2, ... in order for MySQL: {text}");
            expected += 1;
            converted.push('?');
            continue;
        }
        converted.push(c);
    }
    converted
}
