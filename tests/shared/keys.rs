// Key types: for every key type the derive accepts on this backend, batched results equal the
// per-key `SELECT ... WHERE col = <key>` results; and 70,000 keys in one `load_many` equal the
// answers of small batches. Included by tests/<backend>/tests/keys.rs after
// `use batchload_tests_<backend> as backend;`.

use std::collections::{BTreeSet, HashMap};
use std::hash::Hash;
use std::time::Duration;

use backend::{
    BotById, Db, KeySample, KeySampleByDayQuery, KeySampleById, KeySampleByLabelQuery, KeySampleByMediumQuery,
    KeySampleBySmallQuery, KeySampleByUidQuery, TestDb, insert_key_samples, sample_columns, seed,
};
use batchload::{BatchQuery, GroupLoader};
use futures_util::future::try_join_all;

const TIMEOUT: Duration = Duration::from_secs(120);
const SAMPLES: i64 = 120;

async fn within<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(TIMEOUT, future).await.expect("test timed out")
}

/// Ids of the rows whose `column` equals `key`, by one hand-written single-key statement.
async fn reference_ids<K>(pool: &sqlx::Pool<Db>, column: &str, key: K) -> Vec<i64>
where
    K: for<'q> sqlx::Encode<'q, Db> + sqlx::Type<Db>,
{
    let mut query = sqlx::QueryBuilder::<Db>::new(format!("SELECT id FROM key_samples WHERE {column} = "));
    query.push_bind(key).push(" ORDER BY id");
    query.build_query_scalar::<i64>().fetch_all(pool).await.expect("reference query")
}

/// Checks one group loader against per-key references for every distinct key (plus `missing`,
/// a key no row has), through `load_many` and through concurrent `load`s.
async fn check_group_loader<Q, K>(pool: &sqlx::Pool<Db>, column: &str, keys: Vec<K>, missing: K)
where
    Q: BatchQuery<Key = K, Row = KeySample> + From<sqlx::Pool<Db>>,
    K: Eq + Hash + Clone + Ord + std::fmt::Debug + Send + Sync + 'static + for<'q> sqlx::Encode<'q, Db> + sqlx::Type<Db>,
{
    let mut keys: Vec<K> = keys.into_iter().collect::<BTreeSet<_>>().into_iter().collect();
    keys.push(missing);
    let mut expected = HashMap::new();
    for key in &keys {
        expected.insert(key.clone(), reference_ids(pool, column, key.clone()).await);
    }
    assert!(expected.values().filter(|ids| !ids.is_empty()).count() >= 2, "{column}: the fixture has several keys");

    let loader = GroupLoader::new(Q::from(pool.clone()));
    let many = loader.load_many(keys.iter().cloned()).await.expect("load_many");
    let many_ids: HashMap<K, Vec<i64>> =
        many.into_iter().map(|(key, rows)| (key, rows.iter().map(|row| row.id).collect())).collect();
    assert_eq!(many_ids, expected, "{column}: load_many equals the per-key references");

    let fresh = GroupLoader::new(Q::from(pool.clone()));
    let answers = try_join_all(keys.iter().map(|key| fresh.load(key.clone()))).await.expect("load");
    for (key, rows) in keys.iter().zip(answers) {
        assert_eq!(rows.iter().map(|row| row.id).collect::<Vec<_>>(), expected[key], "{column}: load({key:?})");
    }
    assert_eq!(fresh.stats().statements, 1, "{column}: concurrent loads share one statement");
}

#[tokio::test]
async fn every_key_type_matches_per_key_queries() {
    within(async {
        let Some(db) = TestDb::connect(5).await else { return };
        insert_key_samples(&db.pool, SAMPLES).await.expect("insert fixture rows");
        let columns: Vec<_> = (1..=SAMPLES).map(sample_columns).collect();

        check_group_loader::<KeySampleBySmallQuery, _>(&db.pool, "small", columns.iter().map(|c| c.0).collect(), 99).await;
        check_group_loader::<KeySampleByMediumQuery, _>(&db.pool, "medium", columns.iter().map(|c| c.1).collect(), -1).await;
        check_group_loader::<KeySampleByLabelQuery, _>(
            &db.pool,
            "label",
            columns.iter().map(|c| c.2.clone()).collect(),
            "ZOË".to_owned(),
        )
        .await;
        check_group_loader::<KeySampleByUidQuery, _>(
            &db.pool,
            "uid",
            columns.iter().map(|c| c.3).collect(),
            uuid::Uuid::from_u128(u128::MAX),
        )
        .await;
        check_group_loader::<KeySampleByDayQuery, _>(
            &db.pool,
            "day",
            columns.iter().map(|c| c.4).collect(),
            chrono::NaiveDate::from_ymd_opt(1999, 12, 31).expect("a date"),
        )
        .await;

        // Whole rows round-trip through a unique loader too.
        let by_id = KeySampleById::new(db.pool.clone());
        let row = by_id.load(8).await.expect("load").expect("row 8");
        let (small, medium, label, uid, day) = sample_columns(8);
        assert_eq!((row.small, row.medium, row.label, row.uid, row.day), (small, medium, label, uid, day));
    })
    .await;
}

#[tokio::test]
async fn seventy_thousand_keys_in_one_load_many_equal_small_batches() {
    within(async {
        let Some(db) = TestDb::connect(5).await else { return };
        seed::bots(&db.pool, 70_000).await.expect("seed bots");
        // 70,000 keys: above PostgreSQL's and MySQL's 65,535 bind parameters, were they bound one
        // by one; 69,000 exist, 1,000 do not.
        let keys: Vec<i64> = (1_001..=71_000).collect();
        let big = BotById::new(db.pool.clone());
        let all = big.load_many(keys.iter().copied()).await.expect("one load_many of 70,000 keys");
        assert_eq!(all.len(), 69_000);
        assert_eq!(big.stats().batches, 1);
        assert_eq!(big.stats().statements, 7, "chunks of batchload::DEFAULT_MAX_BATCH_SIZE (10,000) keys");

        let small = BotById::with_options(db.pool.clone(), batchload::LoaderOptions::new().cache(false));
        for chunk in keys.chunks(97) {
            let part = small.load_many(chunk.iter().copied()).await.expect("small batch");
            for key in chunk {
                assert_eq!(part.get(key), all.get(key), "key {key}");
            }
        }
        assert_eq!(all[&1_001].name, "bot-1001");
        assert_eq!(all[&70_000].persona, "persona 70000");
        assert!(!all.contains_key(&70_001));
    })
    .await;
}
