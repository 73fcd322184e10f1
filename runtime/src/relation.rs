//! What the many-to-many loaders of `#[derive(Batched)]` need: their statement returns each
//! row beside the parent key it was reached through, and callers receive only the row.

use std::collections::HashMap;
use std::hash::BuildHasher;

use crate::BatchQuery;
use crate::shape::Shape;

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
/// every requested key (an empty `Vec` for a parent with no rows), as for a [`GroupLoader`](crate::GroupLoader).
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

    fn rows(value: &Self::Value) -> usize {
        value.len()
    }
}
