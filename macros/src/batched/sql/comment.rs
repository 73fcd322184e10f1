//! The attribution every generated statement ends with: a constant comment naming its loader,
//! in the [sqlcommenter](https://google.github.io/sqlcommenter/spec/) format, so the loader
//! shows in the database's own records (`pg_stat_statements`, the server log, MySQL's
//! `performance_schema`, slow query logs): ` /*batchload='BotById'*/`.
//!
//! sqlcommenter: one comment at the end of the statement, `key='value'` pairs sorted by key
//! and separated by commas, keys and values URL-encoded (percent-encoding every byte outside
//! RFC 3986's unreserved set, so a value never holds `'` or `*/`). The text depends on the
//! loader's name only: fixed at compile time, so the prepared statement and sqlx's offline data
//! (keyed by a hash of the text) stay the same from build to build.

/// The comment's one key.
const KEY: &str = "batchload";

/// `sql` followed by the comment attributing it to `loader`.
pub(super) fn attributed(mut sql: String, loader: &str) -> String {
    sql.push_str(" /*");
    sql.push_str(&url_encode(KEY));
    sql.push_str("='");
    sql.push_str(&url_encode(loader));
    sql.push_str("'*/");
    sql
}

/// `text` percent-encoded (RFC 3986: every byte but `A-Z a-z 0-9 - . _ ~` as `%XX`, uppercase
/// hex), byte by byte of its UTF-8.
fn url_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_comment_names_the_loader_at_the_end() {
        assert_eq!(attributed("SELECT 1".to_owned(), "BotById"), "SELECT 1 /*batchload='BotById'*/");
        assert_eq!(attributed(String::new(), "Bot_By_id9"), " /*batchload='Bot_By_id9'*/");
    }

    #[test]
    fn values_are_url_encoded() {
        // Rust identifiers may hold non-ASCII letters; a value never carries a quote or `*/`.
        assert_eq!(attributed("SELECT 1".to_owned(), "BötById"), "SELECT 1 /*batchload='B%C3%B6tById'*/");
        assert_eq!(url_encode("a'b*/c d"), "a%27b%2A%2Fc%20d");
        assert_eq!(url_encode("A-z.0_~"), "A-z.0_~");
    }
}
