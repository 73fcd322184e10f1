//! The per-loader cache: the keys being read by a batch and the answers already known for this
//! request, shared with the batch results they came from; unbounded, or bounded to a number of
//! keys with least-recently-used eviction (`hashlink::LruCache`).

use std::hash::Hash;
use std::sync::Arc;

use hashlink::LruCache;

use crate::answers::Answers;
use crate::batch::{Batch, Map};

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

/// One key's entry: the batch reading it (running: later requests join it; done: it answers
/// the key), or a value given to `prime`. The keys of the gathering batch have none yet: they
/// enter when it is dispatched.
pub(crate) enum Entry<K, V> {
    Batch(Arc<Batch<K, V>>),
    Primed(Arc<V>),
}

impl<K, V> Entry<K, V> {
    /// Whether it answers its key: primed, or its batch completed (a failed batch's entries
    /// are removed when it fails, an uncached batch's when it completes).
    fn is_answer(&self) -> bool {
        match self {
            Entry::Batch(batch) => batch.outcome().is_some(),
            Entry::Primed(_) => true,
        }
    }
}

/// What [`Cache::claim`] found for a key of a batch being dispatched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Claim {
    /// The key is now the batch's (it had no entry, or another batch's): read it.
    Read,
    /// The key is the batch's already (requested twice).
    Repeated,
    /// The key was primed while the batch gathered: read it (its waiters get the batch's
    /// answer), the primed value stays cached.
    Primed,
}

enum Store<K, V> {
    Unbounded(Map<K, Entry<K, V>>),
    /// At most `capacity()` keys; a lookup marks its key as most recently used.
    Bounded(LruCache<K, Entry<K, V>, foldhash::fast::RandomState>),
}

/// The entries of one loader instance: the keys being read by its running batches and, when
/// the cache is on, the answers of its completed batches and primed values. A key enters when
/// its batch is dispatched and stays when the batch succeeds (its answer is then read from the
/// batch), so caching a batch's answers costs nothing per key at completion. Memory is
/// released with the loader.
pub(crate) struct Cache<K, V> {
    store: Store<K, V>,
    /// Answers are kept (the cache is on, with a capacity above 0); otherwise a batch's
    /// entries leave when it completes.
    keeps_answers: bool,
    /// Keys evicted to make room in a bounded cache.
    evictions: u64,
}

impl<K: Eq + Hash + Clone, V> Cache<K, V> {
    /// An unbounded cache, a cache of at most `capacity` keys, or one that keeps no answers
    /// when `enabled` is false or `capacity` is 0.
    pub(crate) fn new(enabled: bool, capacity: Option<usize>) -> Self {
        let keeps_answers = enabled && capacity != Some(0);
        let store = match capacity {
            Some(capacity) if keeps_answers => {
                Store::Bounded(LruCache::with_hasher(capacity, foldhash::fast::RandomState::default()))
            }
            _ => Store::Unbounded(Map::default()),
        };
        Self { store, keeps_answers, evictions: 0 }
    }

    /// Whether completed batches' answers and primed values are kept.
    pub(crate) fn keeps_answers(&self) -> bool {
        self.keeps_answers
    }

    /// The capacity of a bounded cache.
    pub(crate) fn capacity(&self) -> Option<usize> {
        match &self.store {
            Store::Unbounded(_) => None,
            Store::Bounded(entries) => Some(entries.capacity()),
        }
    }

    /// The entry of `key`; in a bounded cache the key becomes the most recently used.
    pub(crate) fn get(&mut self, key: &K) -> Option<&Entry<K, V>> {
        match &mut self.store {
            Store::Unbounded(entries) => entries.get(key),
            Store::Bounded(entries) => entries.get(key),
        }
    }

    /// Makes `key` `batch`'s (being dispatched): see [`Claim`].
    pub(crate) fn claim(&mut self, key: K, batch: &Arc<Batch<K, V>>) -> Claim {
        let Self { store, evictions, .. } = self;
        let found = match store {
            Store::Unbounded(entries) => match entries.entry(key) {
                std::collections::hash_map::Entry::Vacant(vacant) => {
                    vacant.insert(Entry::Batch(Arc::clone(batch)));
                    return Claim::Read;
                }
                std::collections::hash_map::Entry::Occupied(occupied) => occupied.into_mut(),
            },
            Store::Bounded(entries) => {
                if !entries.contains_key(&key) {
                    Self::insert_bounded(entries, evictions, key, Entry::Batch(Arc::clone(batch)));
                    return Claim::Read;
                }
                match entries.get_mut(&key) {
                    Some(entry) => entry,
                    None => return Claim::Repeated,
                }
            }
        };
        match found {
            Entry::Batch(own) if Arc::ptr_eq(own, batch) => Claim::Repeated,
            Entry::Primed(_) => Claim::Primed,
            entry => {
                *entry = Entry::Batch(Arc::clone(batch));
                Claim::Read
            }
        }
    }

    /// Makes room for `additional` more entries at once (a batch's keys), instead of growing
    /// the map step by step (unbounded cache only).
    pub(crate) fn reserve(&mut self, additional: usize) {
        if let Store::Unbounded(entries) = &mut self.store {
            entries.reserve(additional);
        }
    }

    /// Makes `value` the answer for `key` (nothing when no answers are kept).
    pub(crate) fn prime(&mut self, key: K, value: V) {
        match &mut self.store {
            _ if !self.keeps_answers => {}
            Store::Unbounded(entries) => {
                entries.insert(key, Entry::Primed(Arc::new(value)));
            }
            Store::Bounded(entries) => {
                Self::insert_bounded(entries, &mut self.evictions, key, Entry::Primed(Arc::new(value)))
            }
        }
    }

    /// Inserts into a bounded cache, evicting the least recently used key first when it is
    /// full.
    fn insert_bounded(
        entries: &mut LruCache<K, Entry<K, V>, foldhash::fast::RandomState>,
        evictions: &mut u64,
        key: K,
        entry: Entry<K, V>,
    ) {
        if entries.len() >= entries.capacity() && !entries.contains_key(&key) && entries.remove_lru().is_some() {
            *evictions += 1;
        }
        entries.insert(key, entry);
    }

    /// Removes `key`'s entry.
    pub(crate) fn remove(&mut self, key: &K) {
        match &mut self.store {
            Store::Unbounded(entries) => entries.remove(key),
            Store::Bounded(entries) => entries.remove(key),
        };
    }

    /// `batch` (failed, or done while no answers are kept) no longer reads `key`: removes
    /// `key`'s entry if it is `batch`'s.
    pub(crate) fn release(&mut self, key: &K, batch: &Arc<Batch<K, V>>) {
        let entry = match &self.store {
            Store::Unbounded(entries) => entries.get(key),
            Store::Bounded(entries) => entries.peek(key),
        };
        if matches!(entry, Some(Entry::Batch(own)) if Arc::ptr_eq(own, batch)) {
            self.remove(key);
        }
    }

    /// Removes every entry.
    pub(crate) fn clear(&mut self) {
        match &mut self.store {
            Store::Unbounded(entries) => entries.clear(),
            Store::Bounded(entries) => entries.clear(),
        }
    }

    /// Number of keys answered from the cache (primed, or of a completed batch); counts them
    /// (O(entries)).
    pub(crate) fn len(&self) -> usize {
        match &self.store {
            Store::Unbounded(entries) => entries.values().filter(|entry| entry.is_answer()).count(),
            Store::Bounded(entries) => entries.iter().filter(|(_, entry)| entry.is_answer()).count(),
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

    /// A batch done with answers `key * 10` for `keys`.
    fn done(keys: &[i64]) -> Arc<Batch<i64, Option<i64>>> {
        Batch::done(Answers::new(keys.iter().map(|&key| (key, Some(key * 10))).collect()))
    }

    fn answer(cache: &mut Cache<i64, Option<i64>>, key: i64) -> Option<Option<i64>> {
        match cache.get(&key)? {
            Entry::Batch(batch) => batch.outcome().and_then(|outcome| outcome.as_ref().ok()).map(|a| *a.get(&key)),
            Entry::Primed(value) => Some(**value),
        }
    }

    #[test]
    fn a_bounded_cache_evicts_the_least_recently_used_key() {
        let mut cache = Cache::new(true, Some(2));
        let batch = done(&[1, 2, 3]);
        assert_eq!(cache.claim(1, &batch), Claim::Read);
        assert_eq!(cache.claim(2, &batch), Claim::Read);
        assert_eq!(answer(&mut cache, 1), Some(Some(10)), "1 is now the most recent");
        assert_eq!(cache.claim(3, &batch), Claim::Read);
        assert_eq!((cache.len(), cache.evictions()), (2, 1));
        assert!(cache.get(&2).is_none(), "2 was the least recently used");
        assert!(cache.get(&1).is_some() && cache.get(&3).is_some());
        assert_eq!(cache.claim(3, &batch), Claim::Repeated, "3 is the batch's already");
        assert_eq!(cache.evictions(), 1, "a key already cached evicts nothing");
        cache.prime(4, Some(40));
        assert_eq!(cache.evictions(), 2);
        assert_eq!(answer(&mut cache, 4), Some(Some(40)));
        assert_eq!(cache.claim(4, &batch), Claim::Primed, "primed: read, the value stays");
        assert_eq!(answer(&mut cache, 4), Some(Some(40)));
        cache.release(&4, &batch);
        assert_eq!(cache.len(), 2, "4 is primed, not the batch's");
        cache.remove(&4);
        cache.prime(5, None);
        assert_eq!((cache.len(), cache.evictions()), (2, 2), "removing made room");
        cache.release(&3, &batch);
        assert_eq!(cache.len(), 1, "3 was the batch's");
        cache.clear();
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn running_batches_entries_are_not_counted_as_cached() {
        let mut cache = Cache::new(true, None);
        let running = Arc::new(Batch::new());
        assert_eq!(cache.claim(1, &running), Claim::Read);
        assert_eq!(cache.claim(2, &done(&[2])), Claim::Read);
        assert_eq!(cache.len(), 1, "key 1's batch has not completed");
        let next = Arc::new(Batch::new());
        assert_eq!(cache.claim(1, &next), Claim::Read, "another batch takes the key over");
        cache.release(&1, &running);
        assert!(cache.get(&1).is_some(), "no longer the first batch's entry");
        cache.release(&1, &next);
        assert!(cache.get(&1).is_none());
    }

    #[test]
    fn capacity_zero_and_disabled_caches_keep_no_answers() {
        for mut cache in
            [Cache::<i64, Option<i64>>::new(true, Some(0)), Cache::new(false, None), Cache::new(false, Some(5))]
        {
            assert!(!cache.keeps_answers());
            assert_eq!(cache.capacity(), None, "a map of running batches' keys only");
            cache.prime(1, Some(1));
            assert!(cache.get(&1).is_none());
        }
        let mut unbounded = Cache::new(true, None);
        assert!(unbounded.keeps_answers());
        for key in 0..1_000 {
            unbounded.claim(key, &done(&[key]));
        }
        assert_eq!((unbounded.len(), unbounded.evictions()), (1_000, 0));
    }
}
