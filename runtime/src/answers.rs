//! A batch's answers: what its statement returned, per key, shared (behind an `Arc`) by its
//! waiters, the cache and [`Shared`](crate::Shared) handles.

use std::hash::Hash;

use crate::batch::Map;

/// Each key's answer from one batch: `Some(row)` / the key's rows for the keys the
/// statement returned rows for, and one "no rows" value (`None` / an empty `Vec`) for every
/// other key. Never changed once built.
pub(crate) struct Answers<K, V> {
    found: Map<K, V>,
    /// The answer of every key with no rows: one per batch, so that a handle on a key with no
    /// rows needs no value of its own.
    none: V,
}

impl<K, V: Default> Answers<K, V> {
    /// The answers `found` by the statement (keys with no rows are absent).
    pub(crate) fn new(found: Map<K, V>) -> Self {
        Self { found, none: V::default() }
    }
}

impl<K, V: Default> Default for Answers<K, V> {
    fn default() -> Self {
        Self::new(Map::default())
    }
}

impl<K: Eq + Hash, V> Answers<K, V> {
    /// The answer for `key`: its rows, or the "no rows" value.
    pub(crate) fn get(&self, key: &K) -> &V {
        self.found.get(key).unwrap_or(&self.none)
    }
}
