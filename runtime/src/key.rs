//! How keys travel to SQLite and MySQL: one JSON array, read back by `json_each` /
//! `JSON_TABLE` with the SQL type the derive chose for the key type (or that a hand-written
//! statement reads, e.g. `json_extract(value, '$[0]')` for the first element of a tuple key).

#[cfg(any(feature = "uuid", feature = "chrono"))]
use std::fmt::Write as _;

/// How a key type is written into the JSON key list; the derive checks at compile time that
/// it matches the way its statement reads the list back. Machinery of the derive, not a
/// public API.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
#[non_exhaustive]
pub enum KeyEncoding {
    /// A JSON integer, read as a signed integer.
    Signed,
    /// A JSON integer, read as an unsigned integer.
    Unsigned,
    /// `true` / `false` (SQLite and MySQL store booleans as integers 1 / 0).
    Bool,
    /// A JSON string, compared with the column's text.
    Text,
    /// 32 lowercase hex digits, turned back into the 16 bytes sqlx stores (`unhex`).
    UuidHex,
    /// `YYYY-MM-DD`, the text sqlx stores on SQLite and MySQL reads as `DATE`.
    Date,
    /// Any other encoding (tuples, user types): never bound by a derived loader.
    Other,
}

/// A key type that SQLite and MySQL loaders can bind, as one element of a JSON array.
///
/// Implemented for the integer types, `bool`, `String`, `uuid::Uuid` (feature `uuid`),
/// `chrono::NaiveDate` (feature `chrono`), and tuples of 2 to 4 of them (written as a JSON
/// array: `(1, "a")` is `[1,"a"]`, read back with `json_extract(value, '$[0]')` on SQLite or
/// `JSON_TABLE(... COLUMNS (a BIGINT PATH '$[0]', ...))` on MySQL). PostgreSQL loaders bind
/// keys natively and do not need it. Implement it for your own key type to bind it with
/// [`json_keys`].
pub trait JsonKey {
    /// How [`write_json`](Self::write_json) encodes the key (checked by the derive).
    #[doc(hidden)]
    const ENCODING: KeyEncoding = KeyEncoding::Other;

    /// Appends the key as one JSON value to `out`.
    fn write_json(&self, out: &mut String);
}

macro_rules! integer_keys {
    ($encoding:ident: $($ty:ty),*) => {$(
        impl JsonKey for $ty {
            const ENCODING: KeyEncoding = KeyEncoding::$encoding;

            fn write_json(&self, out: &mut String) {
                // `itoa` (serde_json's own integer formatter): no `fmt` machinery per key.
                out.push_str(itoa::Buffer::new().format(*self));
            }
        }
    )*};
}

integer_keys!(Signed: i8, i16, i32, i64);
integer_keys!(Unsigned: u8, u16, u32, u64);

impl JsonKey for bool {
    const ENCODING: KeyEncoding = KeyEncoding::Bool;

    fn write_json(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}

impl JsonKey for String {
    const ENCODING: KeyEncoding = KeyEncoding::Text;

    fn write_json(&self, out: &mut String) {
        // serde_json escapes exactly what JSON requires; writing a `&str` cannot fail.
        out.push_str(&serde_json::to_string(self).unwrap_or_default());
    }
}

#[cfg(feature = "uuid")]
impl JsonKey for uuid::Uuid {
    const ENCODING: KeyEncoding = KeyEncoding::UuidHex;

    fn write_json(&self, out: &mut String) {
        let _ = write!(out, "\"{}\"", self.simple());
    }
}

#[cfg(feature = "chrono")]
impl JsonKey for chrono::NaiveDate {
    const ENCODING: KeyEncoding = KeyEncoding::Date;

    fn write_json(&self, out: &mut String) {
        let _ = write!(out, "\"{}\"", self.format("%Y-%m-%d"));
    }
}

macro_rules! tuple_keys {
    ($(($first:ident: $first_index:tt $(, $name:ident: $index:tt)+)),*) => {$(
        impl<$first: JsonKey $(, $name: JsonKey)+> JsonKey for ($first, $($name,)+) {
            fn write_json(&self, out: &mut String) {
                out.push('[');
                self.$first_index.write_json(out);
                $(
                    out.push(',');
                    self.$index.write_json(out);
                )+
                out.push(']');
            }
        }
    )*};
}

tuple_keys!((A: 0, B: 1), (A: 0, B: 1, C: 2), (A: 0, B: 1, C: 2, D: 3));

/// The key list `keys` as the one JSON array a SQLite (`json_each(?1)`) or MySQL
/// (`JSON_TABLE(?, '$[*]' ...)`) statement reads, e.g. `[1,2,3]`, `["a","b"]` or, for tuple
/// keys, `[[1,"a"],[2,"b"]]`. Bind it as one parameter; it never fails.
pub fn json_keys<K: JsonKey>(keys: &[K]) -> String {
    json_array(keys)
}

/// The JSON array of `keys`, e.g. `[1,2,3]` or `["a","b"]`.
pub(crate) fn json_array<K: JsonKey>(keys: &[K]) -> String {
    let mut out = String::with_capacity(keys.len() * 8 + 2);
    out.push('[');
    for (index, key) in keys.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        key.write_json(&mut out);
    }
    out.push(']');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_are_valid_json() {
        assert_eq!(json_array::<i64>(&[]), "[]");
        assert_eq!(json_array(&[1i64, -2, i64::MAX]), "[1,-2,9223372036854775807]");
        assert_eq!(json_array(&[u64::MAX]), "[18446744073709551615]");
        assert_eq!(json_array(&[true, false]), "[true,false]");
        assert_eq!(json_array(&[(1i64, "x".to_owned()), (-2, "y".to_owned())]), r#"[[1,"x"],[-2,"y"]]"#);
        assert_eq!(json_array(&[(1u8, 2i32, false)]), "[[1,2,false]]");
        assert_eq!(json_array(&["a\"b\\c".to_owned(), "Zoë 🦤\n".to_owned()]), r#"["a\"b\\c","Zoë 🦤\n"]"#);
    }
}
