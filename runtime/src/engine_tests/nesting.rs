//! Loads issued from inside other loads (nested, across two loaders, cyclic) never wait on
//! their own batch.

use futures_util::future::join_all;

use super::fake::{ById, Row, Source, by_id, by_parent};
use super::{counts, within};
use crate::{LoaderOptions, OneLoader};

/// The ids from `id` up to the root of `Source::tree` (parent of `i` is `i / 2`).
fn expected_chain(id: i64) -> Vec<i64> {
    std::iter::successors(Some(id), |&i| (i > 1).then_some(i / 2)).collect()
}

async fn chain(loader: &OneLoader<ById>, id: i64) -> Vec<i64> {
    let mut chain = Vec::new();
    let mut next = Some(id);
    while let Some(current) = next {
        let row = loader.load(current).await.expect("load").expect("row exists");
        chain.push(row.id);
        next = row.parent;
        assert!(chain.len() <= 64, "chain of {id} does not end");
    }
    chain
}

#[tokio::test]
async fn nested_loads_walk_every_chain() {
    within("chains", async {
        let source = Source::tree(500);
        for cache in [true, false] {
            let loader = by_id(&source, LoaderOptions::new().cache(cache));
            let chains = join_all((1..=500).map(|id| chain(&loader, id))).await;
            for (id, chain) in (1..=500).zip(chains) {
                assert_eq!(chain, expected_chain(id), "cache {cache}, row {id}");
            }
            if cache {
                assert_eq!(counts(loader.stats()), (1, 1, 500));
                assert_eq!(loader.cached_keys(), 500);
            } else {
                // One batch per level of the tree: 1..=500, 1..=250, ..., 1..=1.
                assert_eq!(counts(loader.stats()), (9, 9, 994));
                assert_eq!(loader.cached_keys(), 0);
            }
        }
    })
    .await;
}

#[tokio::test]
async fn nested_loads_across_two_loaders_find_children_of_children() {
    within("children of children", async {
        let source = Source::tree(500);
        let ones = by_id(&source, LoaderOptions::new());
        let groups = by_parent(&source, LoaderOptions::new());
        let grand = join_all((1..=500).map(|parent| {
            let (ones, groups) = (&ones, &groups);
            async move {
                let direct = groups.load(parent).await.expect("children");
                let below = join_all(direct.iter().map(|child| async move {
                    let again = ones.load(child.id).await.expect("load child").expect("child exists");
                    assert_eq!(&again, child);
                    groups.load(again.id).await.expect("children of child")
                }))
                .await;
                (direct, below.into_iter().flatten().collect::<Vec<Row>>())
            }
        }))
        .await;
        for (parent, (direct, below)) in (1..=500).zip(grand) {
            assert_eq!(direct, source.by_parent(parent), "children of {parent}");
            let expected: Vec<i64> = (4 * parent..4 * parent + 4).filter(|&i| i <= 500).collect();
            assert_eq!(below.iter().map(|row| row.id).collect::<Vec<_>>(), expected, "grandchildren of {parent}");
        }
        assert_eq!(counts(groups.stats()), (1, 1, 500));
        assert_eq!(counts(ones.stats()), (1, 1, 499));
    })
    .await;
}

#[tokio::test]
async fn cyclic_loads_complete() {
    within("cycle", async {
        let source = Source::tree(64);
        source.write(Row { id: 1, parent: Some(2), label: "row-1".to_owned() });
        let expected = |start: i64| -> Vec<i64> {
            std::iter::successors(Some(start), |&i| Some(if i == 1 { 2 } else { i / 2 })).take(50).collect()
        };
        for cache in [true, false] {
            let options = LoaderOptions::new().cache(cache);
            let ones = by_id(&source, options.clone());
            let groups = by_parent(&source, options.clone());
            let walks = join_all((1..=40).map(|start| {
                let ones = &ones;
                async move {
                    let mut walk = Vec::new();
                    let mut current = start;
                    while walk.len() < 50 {
                        let row = ones.load(current).await.expect("load").expect("row exists");
                        walk.push(row.id);
                        current = row.parent.expect("a cycle has no root");
                    }
                    walk
                }
            }))
            .await;
            for (start, walk) in (1..=40).zip(walks) {
                assert_eq!(walk, expected(start), "cache {cache}, start {start}");
            }
            let expected_statements = if cache { 1 } else { 50 };
            assert_eq!(counts(ones.stats()).1, expected_statements);

            // Two loaders, A -> B -> A: row, then its parent's children (which include it).
            let fresh = by_id(&source, options);
            let walks = join_all((1..=20).map(|start| {
                let (ones, groups) = (&fresh, &groups);
                async move {
                    let mut walk = Vec::new();
                    let mut current = start;
                    while walk.len() < 50 {
                        let row = ones.load(current).await.expect("load").expect("row exists");
                        let parent = row.parent.expect("a cycle has no root");
                        let siblings = groups.load_opt(Some(parent)).await.expect("children");
                        assert!(siblings.contains(&row), "{row:?} is among the children of {parent}");
                        walk.push(row.id);
                        current = parent;
                    }
                    walk
                }
            }))
            .await;
            for (start, walk) in (1..=20).zip(walks) {
                assert_eq!(walk, expected(start), "two loaders, cache {cache}, start {start}");
            }
        }
    })
    .await;
}
