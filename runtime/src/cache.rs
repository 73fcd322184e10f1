//! The per-loader cache: answers already known for this request, shared with the batch
//! results they came from.

use std::hash::Hash;
use std::sync::Arc;

use crate::batch::Map;

/// Where a cached answer lives. Batch answers are not copied into the cache: each key holds
/// the `Arc` of its batch's result map, so caching a batch costs one reference per key.
pub(crate) enum Cached<K, V> {
    /// The answer is `map[key]`, or `V::default()` (no rows) when the key is absent.
    Batch(Arc<Map<K, V>>),
    /// A value given to `prime`.
    Primed(V),
}

impl<K: Eq + Hash, V: Clone + Default> Cached<K, V> {
    /// The caller's own copy of the answer for `key`.
    pub(crate) fn value_for(&self, key: &K) -> V {
        match self {
            Cached::Batch(map) => map.get(key).cloned().unwrap_or_default(),
            Cached::Primed(value) => value.clone(),
        }
    }

    fn share(&self) -> Self {
        match self {
            Cached::Batch(map) => Cached::Batch(Arc::clone(map)),
            Cached::Primed(value) => Cached::Primed(value.clone()),
        }
    }
}

/// Answers per key for one loader instance. Memory is released with the loader; it grows
/// with the number of distinct keys loaded (see the loader docs for bounding it).
pub(crate) struct Cache<K, V> {
    enabled: bool,
    entries: Map<K, Cached<K, V>>,
}

impl<K: Eq + Hash + Clone, V: Clone + Default> Cache<K, V> {
    pub(crate) fn new(enabled: bool) -> Self {
        Self { enabled, entries: Map::default() }
    }

    /// A shareable handle on the cached answer for `key` (cheap: an `Arc` clone for batch
    /// answers), to be turned into a value outside the loader's lock.
    pub(crate) fn get(&self, key: &K) -> Option<Cached<K, V>> {
        self.entries.get(key).map(Cached::share)
    }

    /// Caches `key`'s answer in the batch result `map`, unless `key` already has an entry
    /// (a value primed while its batch was gathering wins). One hash lookup.
    pub(crate) fn insert_batch_if_absent(&mut self, key: K, map: &Arc<Map<K, V>>) {
        if self.enabled {
            self.entries.entry(key).or_insert_with(|| Cached::Batch(Arc::clone(map)));
        }
    }

    /// Makes room for `additional` more entries at once (a batch's keys), instead of growing
    /// the map step by step.
    pub(crate) fn reserve(&mut self, additional: usize) {
        if self.enabled {
            self.entries.reserve(additional);
        }
    }

    pub(crate) fn prime(&mut self, key: K, value: V) {
        if self.enabled {
            self.entries.insert(key, Cached::Primed(value));
        }
    }

    pub(crate) fn remove(&mut self, key: &K) {
        self.entries.remove(key);
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}
