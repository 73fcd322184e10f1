//! How rows of a batch are grouped per key: one row per key (unique loaders) or a list of
//! rows per key (group loaders).

use std::collections::HashMap;
use std::hash::BuildHasher;

use crate::BatchQuery;

/// The value type a loader yields per key and how rows are gathered into it.
///
/// Implemented by [`Unique`] and [`Grouped`]; sealed.
pub trait Shape<Q: BatchQuery>: private::Sealed + Send + Sync + 'static {
    /// What one key resolves to (`Option<Row>` or `Vec<Row>`); `Default` is the answer for a
    /// key with no rows.
    type Value: Default + Clone + Send + Sync + 'static;
    /// What `load_many` returns.
    type Many: Send + 'static;

    /// `true` for [`Unique`] (one row per key), `false` for [`Grouped`].
    const UNIQUE: bool;

    /// Adds one fetched `row` with key `key` to `map` (any hasher: the engine's maps use a
    /// faster one than `std`'s default).
    fn absorb<H: BuildHasher>(map: &mut HashMap<Q::Key, Self::Value, H>, key: Q::Key, row: Q::Row);

    /// Adds the answer for `key` to the `load_many` result being assembled.
    fn insert_many(many: &mut Self::Many, key: Q::Key, value: Self::Value);

    /// An empty `load_many` result with room for `capacity` keys.
    fn empty_many(capacity: usize) -> Self::Many;

    /// How many rows `value` holds.
    fn rows(value: &Self::Value) -> usize;
}

/// Shape of a one-to-one loader (`#[batched(key)]`): each key has at most one row.
///
/// `load` yields `Option<Row>`, `load_many` yields `HashMap<Key, Row>` holding only the keys
/// that were found. If the column is not actually unique, the first row the statement
/// returns for a key wins.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unique;

/// Shape of a one-to-many loader (`#[batched(group)]`): each key has zero or more rows.
///
/// `load` yields `Vec<Row>` (in the loader's `ORDER BY` order), `load_many` yields
/// `HashMap<Key, Vec<Row>>` holding every requested key, with an empty `Vec` when it has no rows.
#[derive(Debug, Clone, Copy, Default)]
pub struct Grouped;

impl<Q: BatchQuery> Shape<Q> for Unique {
    type Value = Option<Q::Row>;
    type Many = HashMap<Q::Key, Q::Row>;

    const UNIQUE: bool = true;

    fn absorb<H: BuildHasher>(map: &mut HashMap<Q::Key, Self::Value, H>, key: Q::Key, row: Q::Row) {
        map.entry(key).or_insert(Some(row));
    }

    fn insert_many(many: &mut Self::Many, key: Q::Key, value: Self::Value) {
        if let Some(row) = value {
            many.insert(key, row);
        }
    }

    fn empty_many(capacity: usize) -> Self::Many {
        HashMap::with_capacity(capacity)
    }

    fn rows(value: &Self::Value) -> usize {
        usize::from(value.is_some())
    }
}

impl<Q: BatchQuery> Shape<Q> for Grouped {
    type Value = Vec<Q::Row>;
    type Many = HashMap<Q::Key, Vec<Q::Row>>;

    const UNIQUE: bool = false;

    fn absorb<H: BuildHasher>(map: &mut HashMap<Q::Key, Self::Value, H>, key: Q::Key, row: Q::Row) {
        map.entry(key).or_default().push(row);
    }

    fn insert_many(many: &mut Self::Many, key: Q::Key, value: Self::Value) {
        many.insert(key, value);
    }

    fn empty_many(capacity: usize) -> Self::Many {
        HashMap::with_capacity(capacity)
    }

    fn rows(value: &Self::Value) -> usize {
        value.len()
    }
}

mod private {
    pub trait Sealed {}
    impl Sealed for super::Unique {}
    impl Sealed for super::Grouped {}
    impl Sealed for crate::relation::Through {}
}
