//! The per-loader cache: answers already known for this request, shared with the batch
//! results they came from; unbounded, or bounded to a number of keys with least-recently-used
//! eviction (`hashlink::LruCache`).

use std::hash::Hash;
use std::sync::Arc;

use hashlink::LruCache;

use crate::answers::Answers;
use crate::batch::Map;

/// Where a cached answer lives. Batch answers are not copied into the cache: each key holds
/// the `Arc` of its batch's answers, so caching a batch costs one reference per key.
pub(crate) enum Cached<K, V> {
    /// The answer is the batch's answer for the key.
    Batch(Arc<Answers<K, V>>),
    /// A value given to `prime` (shared with the handles that read it, like a batch's map).
    Primed(Arc<V>),
}

impl<K: Eq + Hash, V> Cached<K, V> {
    /// The answer for `key` (`key` is the one it was cached for).
    pub(crate) fn get(&self, key: &K) -> &V {
        match self {
            Cached::Batch(answers) => answers.get(key),
            Cached::Primed(value) => value,
        }
    }
}

impl<K, V> Cached<K, V> {
    /// Another handle on the same answer (an `Arc` clone).
    pub(crate) fn share(&self) -> Self {
        match self {
            Cached::Batch(answers) => Cached::Batch(Arc::clone(answers)),
            Cached::Primed(value) => Cached::Primed(Arc::clone(value)),
        }
    }
}

impl<K: Eq + Hash, V: Clone> Cached<K, V> {
    /// The caller's own copy of the answer for `key`.
    pub(crate) fn value_for(&self, key: &K) -> V {
        self.get(key).clone()
    }
}

enum Store<K, V> {
    /// `LoaderOptions::cache(false)` or a capacity of 0: nothing is kept.
    Off,
    Unbounded(Map<K, Cached<K, V>>),
    /// At most `capacity()` keys; a lookup marks its key as most recently used.
    Bounded(LruCache<K, Cached<K, V>, foldhash::fast::RandomState>),
}

/// Answers per key for one loader instance. Memory is released with the loader.
pub(crate) struct Cache<K, V> {
    store: Store<K, V>,
    /// Keys evicted to make room in a bounded cache.
    evictions: u64,
}

impl<K: Eq + Hash + Clone, V: Clone + Default> Cache<K, V> {
    /// An unbounded cache, a cache of at most `capacity` keys, or none when `enabled` is
    /// false or `capacity` is 0.
    pub(crate) fn new(enabled: bool, capacity: Option<usize>) -> Self {
        let store = match capacity {
            _ if !enabled => Store::Off,
            Some(0) => Store::Off,
            Some(capacity) => Store::Bounded(LruCache::with_hasher(capacity, foldhash::fast::RandomState::default())),
            None => Store::Unbounded(Map::default()),
        };
        Self { store, evictions: 0 }
    }

    /// A shareable handle on the cached answer for `key` (cheap: an `Arc` clone for batch
    /// answers), to be turned into a value outside the loader's lock. In a bounded cache the
    /// key becomes the most recently used.
    pub(crate) fn get(&mut self, key: &K) -> Option<Cached<K, V>> {
        match &mut self.store {
            Store::Off => None,
            Store::Unbounded(entries) => entries.get(key).map(Cached::share),
            Store::Bounded(entries) => entries.get(key).map(Cached::share),
        }
    }

    /// Caches `key`'s answer in its batch's `answers`, unless `key` already has an entry
    /// (a value primed while its batch was gathering wins).
    pub(crate) fn insert_batch_if_absent(&mut self, key: K, answers: &Arc<Answers<K, V>>) {
        match &mut self.store {
            Store::Off => {}
            Store::Unbounded(entries) => {
                entries.entry(key).or_insert_with(|| Cached::Batch(Arc::clone(answers)));
            }
            Store::Bounded(entries) => {
                if !entries.contains_key(&key) {
                    Self::insert_bounded(entries, &mut self.evictions, key, Cached::Batch(Arc::clone(answers)));
                }
            }
        }
    }

    /// Inserts a new key into a bounded cache, evicting the least recently used key first
    /// when it is full.
    fn insert_bounded(
        entries: &mut LruCache<K, Cached<K, V>, foldhash::fast::RandomState>,
        evictions: &mut u64,
        key: K,
        value: Cached<K, V>,
    ) {
        if entries.len() >= entries.capacity() && !entries.contains_key(&key) && entries.remove_lru().is_some() {
            *evictions += 1;
        }
        entries.insert(key, value);
    }

    /// Makes room for `additional` more entries at once (a batch's keys), instead of growing
    /// the map step by step (unbounded cache only).
    pub(crate) fn reserve(&mut self, additional: usize) {
        if let Store::Unbounded(entries) = &mut self.store {
            entries.reserve(additional);
        }
    }

    pub(crate) fn prime(&mut self, key: K, value: V) {
        match &mut self.store {
            Store::Off => {}
            Store::Unbounded(entries) => {
                entries.insert(key, Cached::Primed(Arc::new(value)));
            }
            Store::Bounded(entries) => {
                Self::insert_bounded(entries, &mut self.evictions, key, Cached::Primed(Arc::new(value)));
            }
        }
    }

    pub(crate) fn remove(&mut self, key: &K) {
        match &mut self.store {
            Store::Off => {}
            Store::Unbounded(entries) => {
                entries.remove(key);
            }
            Store::Bounded(entries) => {
                entries.remove(key);
            }
        }
    }

    pub(crate) fn clear(&mut self) {
        match &mut self.store {
            Store::Off => {}
            Store::Unbounded(entries) => entries.clear(),
            Store::Bounded(entries) => entries.clear(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        match &self.store {
            Store::Off => 0,
            Store::Unbounded(entries) => entries.len(),
            Store::Bounded(entries) => entries.len(),
        }
    }

    /// Keys evicted so far to respect the capacity.
    pub(crate) fn evictions(&self) -> u64 {
        self.evictions
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(keys: &[i64]) -> Arc<Answers<i64, Option<i64>>> {
        Arc::new(Answers::new(keys.iter().map(|&key| (key, Some(key * 10))).collect()))
    }

    #[test]
    fn a_bounded_cache_evicts_the_least_recently_used_key() {
        let mut cache = Cache::new(true, Some(2));
        let answers = batch(&[1, 2, 3]);
        cache.insert_batch_if_absent(1, &answers);
        cache.insert_batch_if_absent(2, &answers);
        assert_eq!(cache.get(&1).map(|cached| cached.value_for(&1)), Some(Some(10)), "1 is now the most recent");
        cache.insert_batch_if_absent(3, &answers);
        assert_eq!((cache.len(), cache.evictions()), (2, 1));
        assert!(cache.get(&2).is_none(), "2 was the least recently used");
        assert!(cache.get(&1).is_some() && cache.get(&3).is_some());
        cache.insert_batch_if_absent(3, &answers);
        assert_eq!(cache.evictions(), 1, "a key already cached evicts nothing");
        cache.prime(4, Some(40));
        assert_eq!(cache.evictions(), 2);
        assert_eq!(cache.get(&4).map(|cached| cached.value_for(&4)), Some(Some(40)));
        cache.remove(&4);
        cache.prime(5, None);
        assert_eq!((cache.len(), cache.evictions()), (2, 2), "removing made room");
        cache.clear();
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn capacity_zero_and_disabled_caches_keep_nothing() {
        for mut cache in [Cache::new(true, Some(0)), Cache::new(false, None), Cache::new(false, Some(5))] {
            cache.insert_batch_if_absent(1, &batch(&[1]));
            cache.prime(2, Some(2));
            assert_eq!((cache.len(), cache.evictions()), (0, 0));
            assert!(cache.get(&1).is_none());
        }
        let mut unbounded = Cache::new(true, None);
        for key in 0..1_000 {
            unbounded.insert_batch_if_absent(key, &batch(&[key]));
        }
        assert_eq!((unbounded.len(), unbounded.evictions()), (1_000, 0));
    }
}
