//! What the relation loaders of `#[derive(Batched)]` need beyond single-column keys:
//! composite keys travel as one JSON array of tuples, and a many-to-many statement returns
//! each row beside the parent key it was joined through.

use std::collections::HashMap;
use std::hash::BuildHasher;

use crate::key::JsonKey;
use crate::{BatchQuery, Shape};

/// A composite key (a tuple of 2 to 4 [`JsonKey`] values) written as one JSON array, e.g.
/// `(7, "en")` as `[7,"en"]`. The key list of a composite-key loader is a JSON array of these
/// (`[[7,"en"],[8,"fr"]]`), bound as ONE parameter on every backend and read back per element
/// (`json_extract(value, '$[0]')` on SQLite, `JSON_TABLE ... PATH '$[0]'` on MySQL,
/// `(value->>0)::int8` on PostgreSQL).
pub trait JsonKeyTuple {
    /// Appends the tuple as one JSON array to `out`.
    fn write_json(&self, out: &mut String);
}

macro_rules! tuple_keys {
    ($(($($name:ident: $index:tt),+)),+) => {$(
        impl<$($name: JsonKey),+> JsonKeyTuple for ($($name,)+) {
            fn write_json(&self, out: &mut String) {
                out.push('[');
                $(
                    if $index > 0 {
                        out.push(',');
                    }
                    self.$index.write_json(out);
                )+
                out.push(']');
            }
        }
    )+};
}

tuple_keys!((A: 0, B: 1), (A: 0, B: 1, C: 2), (A: 0, B: 1, C: 2, D: 3));

/// The JSON array of composite `keys`, e.g. `[[1,"a"],[2,"b"]]`: the one bind parameter of a
/// composite-key statement.
pub fn json_tuple_keys<K: JsonKeyTuple>(keys: &[K]) -> String {
    let mut out = String::with_capacity(keys.len() * 16 + 2);
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

/// One row of a many-to-many statement: the parent key it was reached through (the join
/// table's `parent` column) and the row itself. Loaders of the [`Through`] shape hand out
/// only `row`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Linked<K, R> {
    /// The join table's parent column of this row.
    pub parent: K,
    /// The row of the target table.
    pub row: R,
}

/// Implemented by [`Linked`]: splits a fetched row into the row callers receive.
pub trait LinkedRow: Send + Sync + 'static {
    /// The row handed to callers.
    type Target: Clone + Send + Sync + 'static;

    /// The row handed to callers, without its parent key.
    fn into_target(self) -> Self::Target;
}

impl<K: Send + Sync + 'static, R: Clone + Send + Sync + 'static> LinkedRow for Linked<K, R> {
    type Target = R;

    fn into_target(self) -> R {
        self.row
    }
}

/// Shape of a many-to-many loader (`#[batched(through(...))]`): each parent key has zero or
/// more target rows, in the statement's declared order.
///
/// The statement returns [`Linked`] rows (parent key beside each row); `load` yields
/// `Vec<Row>` of the target rows only, `load_many` yields `HashMap<Key, Vec<Row>>` with
/// every requested key (an empty `Vec` for a parent with no rows), as for [`Grouped`](crate::Grouped).
#[derive(Debug, Clone, Copy, Default)]
pub struct Through;

impl<Q> Shape<Q> for Through
where
    Q: BatchQuery,
    Q::Row: LinkedRow,
{
    type Value = Vec<<Q::Row as LinkedRow>::Target>;
    type Many = HashMap<Q::Key, Self::Value>;

    const UNIQUE: bool = false;

    fn absorb<H: BuildHasher>(map: &mut HashMap<Q::Key, Self::Value, H>, key: Q::Key, row: Q::Row) {
        map.entry(key).or_default().push(row.into_target());
    }

    fn insert_many(many: &mut Self::Many, key: Q::Key, value: Self::Value) {
        many.insert(key, value);
    }

    fn empty_many(capacity: usize) -> Self::Many {
        HashMap::with_capacity(capacity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tuple_keys_are_json_arrays_of_arrays() {
        assert_eq!(json_tuple_keys::<(i64, i64)>(&[]), "[]");
        assert_eq!(json_tuple_keys(&[(1i64, 2i64), (-3, i64::MAX)]), "[[1,2],[-3,9223372036854775807]]");
        assert_eq!(
            json_tuple_keys(&[(7i32, "a\"b".to_owned(), true), (8, "Zoë".to_owned(), false)]),
            r#"[[7,"a\"b",true],[8,"Zoë",false]]"#
        );
        assert_eq!(json_tuple_keys(&[(1u8, 2u16, 3u32, 4u64)]), "[[1,2,3,4]]");
    }
}
