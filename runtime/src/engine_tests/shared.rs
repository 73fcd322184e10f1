//! `load_shared`: the same answers, batches and cache as `load`, handed out as handles on the
//! batch's rows (or the primed value) instead of copies.

use futures_util::future::join_all;

use super::fake::{Row, Source, by_id, by_parent};
use super::{counts, within};
use crate::LoaderOptions;

#[tokio::test]
async fn shared_answers_equal_owned_ones_and_point_into_one_batch_result() {
    within("shared answers", async {
        let source = Source::tree(30);
        let loader = by_id(&source, LoaderOptions::new());
        let keys = [3, 7, 3, 99];
        let answers: Vec<_> = join_all(keys.iter().map(|&key| loader.load_shared(key))).await;
        let answers: Vec<_> = answers.into_iter().map(|answer| answer.expect("load_shared")).collect();
        for (&key, answer) in keys.iter().zip(&answers) {
            assert_eq!(**answer, source.by_id(key), "key {key}");
            assert_eq!(*answer.key(), key);
        }
        assert_eq!(counts(loader.stats()), (1, 1, 3), "one statement of the distinct keys");
        // `as_ref` is `Option::as_ref` through the dereference: `Option<&Row>`.
        let (first, second) = (answers[0].as_ref().expect("row 3"), answers[2].as_ref().expect("row 3"));
        assert!(std::ptr::eq(first, second), "both callers of key 3 read the same row, not copies");

        // From the cache: the same row again, and `load` still hands out a copy of it.
        let cached = loader.load_shared(3).await.expect("cached");
        assert!(std::ptr::eq(cached.as_ref().expect("row 3"), first));
        let owned = loader.load(3).await.expect("cached").expect("row 3");
        assert!(!std::ptr::eq(&owned, first));
        assert_eq!(Some(owned), source.by_id(3));
        let stats = loader.stats();
        assert_eq!((stats.statements, stats.cache_hits, stats.cache_misses), (1, 2, 4));
        assert_eq!(format!("{:?}", answers[3]), "Shared { key: 99, answer: None }");
    })
    .await;
}

#[tokio::test]
async fn shared_groups_and_primed_values() {
    within("groups and primed", async {
        let source = Source::tree(30);
        let group = by_parent(&source, LoaderOptions::new());
        let [children, none] = [4, 29].map(|key| group.load_shared(key));
        let (children, none) = futures_util::future::join(children, none).await;
        let (children, none) = (children.expect("group"), none.expect("group"));
        assert_eq!(*children, [Row::new(8, Some(4)), Row::new(9, Some(4))]);
        assert!(none.is_empty(), "a key without rows is an empty group");
        assert_eq!(counts(group.stats()), (1, 1, 2));

        let loader = by_id(&source, LoaderOptions::new());
        let primed = Row::new(5, Some(77));
        loader.prime(5, Some(primed.clone()));
        let (first, second) =
            (loader.load_shared(5).await.expect("primed"), loader.load_shared(5).await.expect("primed"));
        assert_eq!(*first, Some(primed));
        assert!(std::ptr::eq(&*first, &*second), "one primed value, shared");
        assert_eq!(loader.stats().statements, 0);
    })
    .await;
}

#[tokio::test]
async fn a_shared_answer_outlives_its_loader_and_cache() {
    within("outlives", async {
        let source = Source::tree(30);
        let loader = by_id(&source, LoaderOptions::new());
        let answer = loader.load_shared(12).await.expect("load_shared");
        let copy = answer.clone();
        loader.clear_all();
        assert_eq!(loader.cached_keys(), 0);
        drop(loader);
        assert_eq!(*answer, source.by_id(12));
        assert_eq!(*copy, source.by_id(12));
    })
    .await;
}

#[tokio::test]
async fn a_failed_batch_fails_every_shared_waiter() {
    within("failure", async {
        let source = Source::tree(30);
        let loader = by_id(&source, LoaderOptions::new());
        source.fail_next(1);
        for result in join_all([1, 2, 2].map(|key| loader.load_shared(key))).await {
            super::errors::assert_failed(result, "FakeById", 2);
        }
        assert_eq!(loader.cached_keys(), 0);
        assert_eq!(*loader.load_shared(2).await.expect("next batch"), source.by_id(2));
    })
    .await;
}
