//! Answers shared with the loader instead of copied: [`Shared`], what
//! [`Loader::load_shared`](crate::Loader::load_shared) yields.

use std::fmt;
use std::hash::Hash;
use std::ops::Deref;

use crate::cache::Cached;

/// One key's answer, shared with the loader's batch result (or cache entry) it was read from
/// instead of copied out of it: what [`Loader::load_shared`](crate::Loader::load_shared)
/// yields. Dereferences to the answer, `&Option<Row>` for one-to-one loaders and `&Vec<Row>`
/// for group loaders (`None` / empty when the key has no rows): `handle.as_ref()` is
/// `Option<&Row>` (`Option::as_ref` through the dereference), `handle.iter()` iterates a
/// group, `(*handle).clone()` is an owned copy.
///
/// Memory: a handle holds the `Arc` of its batch's whole answer map (one map shared by all the
/// keys of that batch), so holding it keeps every row of that batch in memory, also after the
/// loader is dropped, its cache cleared, or the key evicted from a bounded cache
/// ([`LoaderOptions::max_cached_keys`](crate::LoaderOptions::max_cached_keys) bounds the
/// cache, not the handles). A handle on a value given to `prime` keeps only that value.
/// Each dereference looks the key up in the batch's map (one hash lookup); `Clone` is an `Arc`
/// clone. Use [`Loader::load`](crate::Loader::load) for an owned copy per call instead.
pub struct Shared<K, V> {
    answers: Cached<K, V>,
    key: K,
}

impl<K, V> Shared<K, V> {
    pub(crate) fn new(answers: Cached<K, V>, key: K) -> Self {
        Self { answers, key }
    }

    /// The key this answer is for.
    pub fn key(&self) -> &K {
        &self.key
    }
}

impl<K: Eq + Hash, V> Deref for Shared<K, V> {
    type Target = V;

    fn deref(&self) -> &V {
        self.answers.get(&self.key)
    }
}

impl<K: Clone, V> Clone for Shared<K, V> {
    fn clone(&self) -> Self {
        Self { answers: self.answers.share(), key: self.key.clone() }
    }
}

impl<K: Eq + Hash + fmt::Debug, V: fmt::Debug> fmt::Debug for Shared<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared").field("key", &self.key).field("answer", &**self).finish()
    }
}
