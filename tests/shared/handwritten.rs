// Hand-written loaders on every backend: a context loader whose rows depend on the viewer
// (bound as a second parameter), a tuple-key loader yielding the derived row type without a
// wrapper, and their registration for the N+1 detector and the advisor. Included by
// tests/<backend>/tests/handwritten.rs after `use batchload_tests_<backend> as backend;`.

use std::collections::BTreeSet;
use std::time::Duration;

use backend::handwritten::{StanceByBotAndTopic, StancesForViewer, ViewerStance};
use backend::{BotStanceByBotId, TestDb, seed};
use batchload::{BatchQuery, GroupLoader, OneLoader};
use futures_util::future::try_join_all;

const TIMEOUT: Duration = Duration::from_secs(60);

async fn within<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(TIMEOUT, future).await.expect("test timed out")
}

/// Bots `1..=8` and their stances: bot `b` has `b % 4` stances, on `topic-0` .. `topic-{b % 4 - 1}`.
async fn seeded() -> Option<TestDb> {
    let db = TestDb::connect(3).await?;
    seed::bots(&db.pool, 8).await.expect("seed bots");
    seed::stances(&db.pool, 8).await.expect("seed stances");
    Some(db)
}

/// `(bot_id, topic, viewer_has_topic)` of each row, in order.
fn flags(rows: &[ViewerStance]) -> Vec<(i64, &str, bool)> {
    rows.iter().map(|row| (row.bot_id, row.topic.as_str(), row.viewer_has_topic)).collect()
}

#[tokio::test]
async fn context_loader_answers_for_its_viewer_in_one_statement() {
    within(async {
        let Some(db) = seeded().await else { return };
        let derived = BotStanceByBotId::new(db.pool.clone());
        // Viewer 2 holds topic-0 and topic-1; viewer 1 holds topic-0 only.
        let as_two = StancesForViewer::loader(db.pool.clone(), 2);
        let as_one = StancesForViewer::loader(db.pool.clone(), 1);
        let keys = [1, 3, 4, 7, 3];
        let (two, one) = futures_util::future::join(
            try_join_all(keys.iter().map(|&bot| as_two.load(bot))),
            try_join_all(keys.iter().map(|&bot| as_one.load(bot))),
        )
        .await;
        let (two, one) = (two.expect("viewer 2"), one.expect("viewer 1"));

        assert_eq!(flags(&two[0]), [(1, "topic-0", true)]);
        assert_eq!(flags(&two[1]), [(3, "topic-0", true), (3, "topic-1", true), (3, "topic-2", false)]);
        assert_eq!(flags(&two[2]), []);
        assert_eq!(flags(&two[3]), [(7, "topic-0", true), (7, "topic-1", true), (7, "topic-2", false)]);
        assert_eq!(two[4], two[1], "a repeated key gets its own copy of the same answer");
        assert_eq!(flags(&one[1]), [(3, "topic-0", true), (3, "topic-1", false), (3, "topic-2", false)]);
        assert_eq!(flags(&one[3]), [(7, "topic-0", true), (7, "topic-1", false), (7, "topic-2", false)]);

        // The other columns are the derived loader's rows.
        for (&bot, rows) in keys.iter().zip(&two) {
            let expected = derived.load(bot).await.expect("derived load");
            let got: Vec<_> = rows.iter().map(|row| (row.id, row.bot_id, row.topic.clone(), row.stance.clone())).collect();
            let want: Vec<_> = expected.iter().map(|row| (row.id, row.bot_id, row.topic.clone(), row.stance.clone())).collect();
            assert_eq!(got, want, "bot {bot}");
        }
        for loader in [&as_two, &as_one] {
            let stats = loader.stats();
            assert_eq!((stats.batches, stats.statements, stats.keys, stats.rows), (1, 1, 4, 7), "{stats:?}");
        }
        assert_eq!(as_two.query().viewer, 2);
    })
    .await;
}

#[tokio::test]
async fn tuple_key_loader_matches_rows_by_the_whole_tuple() {
    within(async {
        let Some(db) = seeded().await else { return };
        let loader = StanceByBotAndTopic::loader(db.pool.clone());
        let keys = [
            (3, "topic-2".to_owned()),
            (3, "topic-9".to_owned()),
            (5, "topic-0".to_owned()),
            (5, "topic-2".to_owned()),
            (3, "topic-2".to_owned()),
        ];
        let answers = try_join_all(keys.iter().map(|key| loader.load(key.clone()))).await.expect("tuple loads");
        let found: Vec<Option<(i64, String)>> =
            answers.iter().map(|row| row.as_ref().map(|row| (row.bot_id, row.topic.clone()))).collect();
        assert_eq!(
            found,
            [
                Some((3, "topic-2".to_owned())),
                None,
                Some((5, "topic-0".to_owned())),
                None,
                Some((3, "topic-2".to_owned())),
            ]
        );
        let bot_three = BotStanceByBotId::new(db.pool.clone()).load(3).await.expect("derived load");
        assert_eq!(answers[0].as_ref(), bot_three.iter().find(|row| row.topic == "topic-2"), "the derived row type");
        let stats = loader.stats();
        assert_eq!((stats.batches, stats.statements, stats.keys, stats.rows), (1, 1, 4, 2), "{stats:?}");

        let many = loader.load_many(keys.iter().cloned()).await.expect("load_many");
        assert_eq!(many.keys().cloned().collect::<BTreeSet<_>>(), [(3, "topic-2".to_owned()), (5, "topic-0".to_owned())].into());
        assert_eq!(loader.stats().statements, 1, "answered from the cache");
    })
    .await;
}

#[test]
fn hand_written_loaders_are_registered_with_their_sql() {
    let registered = |name: &str| {
        batchload::registered_loaders().find(|info| info.loader == name).copied().unwrap_or_else(|| panic!("{name} is registered"))
    };
    let viewer = registered("StancesForViewer");
    assert_eq!(viewer, GroupLoader::<StancesForViewer>::INFO);
    assert_eq!((viewer.table, viewer.key_column, viewer.sql, viewer.unique), ("bot_stances", "bot_id", StancesForViewer::SQL, false));
    assert_eq!(viewer.database, <backend::Db as sqlx::Database>::NAME);
    let tuple = registered("StanceByBotAndTopic");
    assert_eq!(tuple, OneLoader::<StanceByBotAndTopic>::INFO);
    assert!(tuple.unique);
    assert!(tuple.reads("bot_stances", "bot_id"));
    // `batch_statement!`'s `loader:` is the loader's name and ends its statement, as the
    // derive's comment does (the text `query_as!` checked and runs).
    assert_eq!(StancesForViewer::LOADER, "StancesForViewer");
    assert!(StancesForViewer::SQL.ends_with("ORDER BY s.id /*batchload='StancesForViewer'*/"), "{}", StancesForViewer::SQL);
    assert!(tuple.sql.ends_with(") /*batchload='StanceByBotAndTopic'*/"), "{}", tuple.sql);
    assert_eq!(tuple.sql.matches("/*").count(), 1, "{}", tuple.sql);
}
