//! A PostgreSQL enum as a loader key: the key list is bound as `mood[]` (the enum's own array
//! type), not as text, and batched results equal per-key results.

use std::collections::HashMap;
use std::time::Duration;

use batchload_tests_postgres::{KeySampleByMood, Mood, TestDb, insert_key_samples, sample_mood};
use futures_util::future::try_join_all;

#[tokio::test]
async fn enum_keys_match_per_key_queries() {
    tokio::time::timeout(Duration::from_secs(60), async {
        let Some(db) = TestDb::connect(5).await else { return };
        insert_key_samples(&db.pool, 30).await.expect("insert fixture rows");
        let moods = [Mood::Calm, Mood::Curious, Mood::Grumpy];
        let mut expected = HashMap::new();
        for mood in moods {
            let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM key_samples WHERE mood = $1 ORDER BY id")
                .bind(mood)
                .fetch_all(&db.pool)
                .await
                .expect("reference query");
            assert_eq!(ids, (1..=30).filter(|&id| sample_mood(id) == mood).collect::<Vec<i64>>());
            expected.insert(mood, ids);
        }
        let loader = KeySampleByMood::new(db.pool.clone());
        let answers = try_join_all(moods.iter().map(|&mood| loader.load(mood))).await.expect("batched enum keys");
        for (mood, rows) in moods.iter().zip(answers) {
            assert_eq!(rows.iter().map(|row| row.id).collect::<Vec<_>>(), expected[mood]);
            assert!(rows.iter().all(|row| row.mood == *mood));
        }
        assert_eq!(loader.stats().statements, 1);
    })
    .await
    .expect("test timed out");
}

#[test]
fn enum_keys_are_bound_as_one_array_parameter() {
    assert_eq!(
        KeySampleByMood::SQL,
        "SELECT t.\"id\" AS \"id\", t.\"small\" AS \"small\", t.\"medium\" AS \"medium\", t.\"label\" AS \"label\", \
         t.\"uid\" AS \"uid\", t.\"day\" AS \"day\", t.\"mood\" AS \"mood\" FROM \"key_samples\" AS t \
         WHERE t.\"mood\" = ANY($1) ORDER BY t.\"id\" /*batchload='KeySampleByMood'*/"
    );
}
