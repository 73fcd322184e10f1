// Relation shapes of #[derive(Batched)] against real databases: composite keys, top-N per
// parent and many-to-many through a join table. For random data (ties in the order columns,
// join rows pointing at missing targets, parents without children) and random key lists
// (duplicates, missing keys), each loader's answers equal per-key hand-written statements,
// through `load_many` and through concurrent `load`s sharing ONE statement.
//
// One body for every backend: tests/<backend>/tests/relations.rs names its library `backend`
// and includes this file. Reference statements are written with `$n` placeholders, converted
// by `backend::sql` for MySQL.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future;
use std::time::Duration;

use backend::{
    BotTopic, BotTopicByTopicIdAndBotId, Reaction, ReactionByMessageId, ReactionByMessageIdAndEmoji, Topic,
    TopicByBotId,
};
use futures_util::future::try_join_all;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use sqlx::AssertSqlSafe;

type DbPool = sqlx::Pool<backend::Db>;

const LIMIT: Duration = Duration::from_secs(120);

async fn within<F: Future>(what: &str, future: F) -> F::Output {
    match tokio::time::timeout(LIMIT, future).await {
        Ok(output) => output,
        Err(_) => panic!("{what}: did not complete within {LIMIT:?} (hang)"),
    }
}

fn query_text(text: &str) -> AssertSqlSafe<String> {
    AssertSqlSafe(backend::sql(text))
}

/// One random data set of the relation fixture tables.
#[derive(Debug, Clone)]
struct Data {
    /// Topic ids present in `topics` (1..=10; `bot_topics` may name missing ones).
    topics: BTreeSet<i64>,
    /// `(bot_id, topic_id) -> position`: unique pairs, positions with ties.
    follows: BTreeMap<(i64, i64), i64>,
    /// `(message_id, emoji, score)` per reaction; ids are 1, 2, ... in this order.
    reactions: Vec<(i64, String, i64)>,
}

const EMOJIS: [&str; 4] = ["a", "A", "👍", "b"];

fn data() -> impl Strategy<Value = Data> {
    (
        prop::collection::btree_set(1i64..=10, 0..8),
        prop::collection::btree_map((1i64..=6, 1i64..=10), 0i64..4, 0..25),
        prop::collection::vec((1i64..=6, 0usize..EMOJIS.len(), 0i64..3), 0..30),
    )
        .prop_map(|(topics, follows, reactions)| Data {
            topics,
            follows,
            reactions: reactions
                .into_iter()
                .map(|(message_id, emoji, score)| (message_id, EMOJIS[emoji].to_owned(), score))
                .collect(),
        })
}

/// Key lists: duplicates and keys with no rows (0, 7, 8 are never parents).
fn keys() -> impl Strategy<Value = Vec<i64>> {
    prop::collection::vec(0i64..=8, 0..12)
}

fn pairs() -> impl Strategy<Value = Vec<(i64, i64)>> {
    prop::collection::vec((0i64..=11, 0i64..=7), 0..12)
}

fn emoji_pairs() -> impl Strategy<Value = Vec<(i64, String)>> {
    prop::collection::vec((0i64..=7, 0usize..EMOJIS.len()), 0..12)
        .prop_map(|pairs| pairs.into_iter().map(|(id, emoji)| (id, EMOJIS[emoji].to_owned())).collect())
}

/// Replaces the fixture tables' rows with `data`.
async fn store(pool: &DbPool, data: &Data) -> Result<(), sqlx::Error> {
    for table in ["topics", "bot_topics", "reactions"] {
        sqlx::query(AssertSqlSafe(format!("DELETE FROM {table}"))).execute(pool).await?;
    }
    if !data.topics.is_empty() {
        let mut insert = sqlx::QueryBuilder::<backend::Db>::new("INSERT INTO topics (id, name) ");
        insert.push_values(&data.topics, |mut row, id| {
            row.push_bind(*id).push_bind(format!("topic-{id}"));
        });
        insert.build().execute(pool).await?;
    }
    if !data.follows.is_empty() {
        let mut insert = sqlx::QueryBuilder::<backend::Db>::new("INSERT INTO bot_topics (bot_id, topic_id, position) ");
        insert.push_values(&data.follows, |mut row, ((bot_id, topic_id), position)| {
            row.push_bind(*bot_id).push_bind(*topic_id).push_bind(*position);
        });
        insert.build().execute(pool).await?;
    }
    if !data.reactions.is_empty() {
        let mut insert = sqlx::QueryBuilder::<backend::Db>::new("INSERT INTO reactions (id, message_id, emoji, score) ");
        insert.push_values(data.reactions.iter().zip(1i64..), |mut row, ((message_id, emoji, score), id)| {
            row.push_bind(id).push_bind(*message_id).push_bind(emoji.clone()).push_bind(*score);
        });
        insert.build().execute(pool).await?;
    }
    Ok(())
}

// Per-key hand-written statements.

async fn ref_topics(pool: &DbPool, bot_id: i64) -> Vec<Topic> {
    sqlx::query_as::<_, (i64, String)>(query_text(
        "SELECT c.id, c.name FROM bot_topics AS j INNER JOIN topics AS c ON c.id = j.topic_id \
         WHERE j.bot_id = $1 ORDER BY j.position, c.id",
    ))
    .bind(bot_id)
    .fetch_all(pool)
    .await
    .expect("reference query on bot_topics")
    .into_iter()
    .map(|(id, name)| Topic { id, name })
    .collect()
}

async fn ref_follow(pool: &DbPool, (topic_id, bot_id): (i64, i64)) -> Option<BotTopic> {
    sqlx::query_as::<_, (i64, i64, i64)>(query_text(
        "SELECT bot_id, topic_id, position FROM bot_topics WHERE topic_id = $1 AND bot_id = $2",
    ))
    .bind(topic_id)
    .bind(bot_id)
    .fetch_optional(pool)
    .await
    .expect("reference query on bot_topics by pair")
    .map(|(bot_id, topic_id, position)| BotTopic { bot_id, topic_id, position })
}

fn reaction((id, message_id, emoji, score): (i64, i64, String, i64)) -> Reaction {
    Reaction { id, message_id, emoji, score }
}

async fn ref_top_reactions(pool: &DbPool, message_id: i64) -> Vec<Reaction> {
    sqlx::query_as::<_, (i64, i64, String, i64)>(query_text(
        "SELECT id, message_id, emoji, score FROM reactions WHERE message_id = $1 ORDER BY score DESC, id DESC LIMIT 3",
    ))
    .bind(message_id)
    .fetch_all(pool)
    .await
    .expect("reference query on reactions")
    .into_iter()
    .map(reaction)
    .collect()
}

async fn ref_reactions_by_emoji(pool: &DbPool, (message_id, emoji): (i64, String)) -> Vec<Reaction> {
    sqlx::query_as::<_, (i64, i64, String, i64)>(query_text(
        "SELECT id, message_id, emoji, score FROM reactions WHERE message_id = $1 AND emoji = $2 ORDER BY score DESC, id",
    ))
    .bind(message_id)
    .bind(emoji.clone())
    .fetch_all(pool)
    .await
    .expect("reference query on reactions by pair")
    .into_iter()
    // SQL `=` is not exact everywhere (PAD SPACE collations); loaders match by Rust value.
    .filter(|(_, _, found, _)| *found == emoji)
    .map(reaction)
    .collect()
}

/// `distinct` answers of `load_many` and of concurrent `load`s on a fresh loader (one
/// statement), compared with `expected`.
macro_rules! check_loader {
    ($pool:expr, $loader:ty, $keys:expr, $expected:expr, $what:literal) => {
        check_loader!($pool, $loader, $keys, $expected, $what, |found: Option<&_>| found.cloned().unwrap_or_default())
    };
    ($pool:expr, $loader:ty, $keys:expr, $expected:expr, $what:literal, $answer:expr) => {{
        let keys = $keys;
        let expected = $expected;
        let many = <$loader>::new($pool.clone()).load_many(keys.iter().cloned()).await.expect("load_many");
        for key in keys.iter() {
            let found = ($answer)(many.get(key));
            prop_assert_eq!(&found, &expected[key], "{}: load_many key {:?}", $what, key);
        }
        let loader = <$loader>::new($pool.clone());
        let answers = try_join_all(keys.iter().map(|key| loader.load(key.clone()))).await.expect("load");
        for (key, answer) in keys.iter().zip(answers) {
            prop_assert_eq!(&answer, &expected[key], "{}: load({:?})", $what, key);
        }
        let statements = if keys.is_empty() { 0 } else { 1 };
        prop_assert_eq!(loader.stats().statements, statements, "{}: one statement per batch", $what);
    }};
}

async fn check_case(
    pool: &DbPool,
    data: &Data,
    bot_ids: Vec<i64>,
    follow_keys: Vec<(i64, i64)>,
    message_ids: Vec<i64>,
    emoji_keys: Vec<(i64, String)>,
) -> Result<(), TestCaseError> {
    store(pool, data).await.expect("store the case's rows");

    let mut expected = HashMap::new();
    for key in &bot_ids {
        expected.insert(*key, ref_topics(pool, *key).await);
    }
    check_loader!(pool, TopicByBotId, bot_ids, expected, "many-to-many TopicByBotId");

    let mut expected = HashMap::new();
    for key in &follow_keys {
        expected.insert(*key, ref_follow(pool, *key).await);
    }
    check_loader!(
        pool,
        BotTopicByTopicIdAndBotId,
        follow_keys,
        expected,
        "composite key BotTopicByTopicIdAndBotId",
        |found: Option<&BotTopic>| found.cloned()
    );

    let mut expected = HashMap::new();
    for key in &message_ids {
        expected.insert(*key, ref_top_reactions(pool, *key).await);
    }
    check_loader!(pool, ReactionByMessageId, message_ids, expected, "top-N ReactionByMessageId");

    let mut expected = HashMap::new();
    for key in &emoji_keys {
        expected.insert(key.clone(), ref_reactions_by_emoji(pool, key.clone()).await);
    }
    check_loader!(pool, ReactionByMessageIdAndEmoji, emoji_keys, expected, "composite group ReactionByMessageIdAndEmoji");
    Ok(())
}

#[test]
fn property_relation_loaders_match_per_key_statements() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    let Some(db) = runtime.block_on(within("relations connect", backend::TestDb::connect(5))) else { return };
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(64);
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new(config);
    let strategy = (data(), keys(), pairs(), keys(), emoji_pairs());
    let result = runner.run(&strategy, |(data, bot_ids, follow_keys, message_ids, emoji_keys)| {
        runtime.block_on(within(
            "relations case",
            check_case(&db.pool, &data, bot_ids, follow_keys, message_ids, emoji_keys),
        ))
    });
    if let Err(error) = result {
        panic!("{error}\n{runner}");
    }
}

/// A fixed case with exact values: ties, a join row to a missing topic, a bot without topics,
/// duplicate keys; also the composite key's tuple order (the attribute's, not the fields').
#[test]
fn relation_loaders_on_a_fixed_case() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    let Some(db) = runtime.block_on(within("relations connect", backend::TestDb::connect(2))) else { return };
    runtime.block_on(within("relations fixed case", async {
        let data = Data {
            topics: [1, 2, 3].into(),
            // Bot 1 follows 3 (position 0), 2 and 1 (both position 1: tie, by id), and 9
            // (missing topic: no row); bot 2 follows 2.
            follows: [((1, 3), 0), ((1, 2), 1), ((1, 1), 1), ((1, 9), 0), ((2, 2), 5)].into(),
            // Message 1: scores 2, 2, 1, 2 (ids 1, 2, 3, 4): top 3 = ids 4, 2, 1.
            reactions: vec![
                (1, "a".to_owned(), 2),
                (1, "A".to_owned(), 2),
                (1, "a".to_owned(), 1),
                (1, "a".to_owned(), 2),
                (2, "b".to_owned(), 0),
            ],
        };
        store(&db.pool, &data).await.expect("store");
        let topic = |id: i64| Topic { id, name: format!("topic-{id}") };

        let topics = TopicByBotId::new(db.pool.clone());
        let (one, two, three, again) =
            tokio::try_join!(topics.load(1), topics.load(2), topics.load(3), topics.load(1)).expect("load topics");
        assert_eq!(one, [topic(3), topic(1), topic(2)]);
        assert_eq!(two, [topic(2)]);
        assert_eq!(three, []);
        assert_eq!(again, one);
        assert_eq!(topics.stats().statements, 1);

        let follows = BotTopicByTopicIdAndBotId::new(db.pool.clone());
        let (found, swapped, missing) =
            tokio::try_join!(follows.load((2, 1)), follows.load((1, 2)), follows.load((9, 9))).expect("load follows");
        assert_eq!(found, Some(BotTopic { bot_id: 1, topic_id: 2, position: 1 }));
        assert_eq!(swapped, None, "the key is (topic_id, bot_id): (1, 2) is topic 1 of bot 2");
        assert_eq!(missing, None);
        assert_eq!(follows.stats().statements, 1);

        let top = ReactionByMessageId::new(db.pool.clone());
        let (first, second, none) = tokio::try_join!(top.load(1), top.load(2), top.load(3)).expect("load top reactions");
        assert_eq!(first.iter().map(|reaction| reaction.id).collect::<Vec<_>>(), [4, 2, 1]);
        assert_eq!(second.iter().map(|reaction| reaction.id).collect::<Vec<_>>(), [5]);
        assert_eq!(none, []);
        assert_eq!(top.stats().statements, 1);

        let by_emoji = ReactionByMessageIdAndEmoji::new(db.pool.clone());
        let (lower, upper) =
            tokio::try_join!(by_emoji.load((1, "a".to_owned())), by_emoji.load((1, "A".to_owned()))).expect("load reactions by emoji");
        assert_eq!(lower.iter().map(|reaction| reaction.id).collect::<Vec<_>>(), [1, 4, 3]);
        assert_eq!(upper.iter().map(|reaction| reaction.id).collect::<Vec<_>>(), [2]);
        assert_eq!(by_emoji.stats().statements, 1);
    }));
}

/// The relation loaders register like derived loaders: the N+1 detector and the index advisor
/// see them (table and key column of the filter each statement applies), and the advisor
/// plans each statement and finds the fixture's index serving it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relation_loaders_are_registered_and_indexed() {
    within("relations advisor", async {
        let Some(db) = backend::TestDb::connect(2).await else { return };
        let expected = [
            ("BotTopicByTopicIdAndBotId", "bot_topics", "topic_id, bot_id"),
            ("ReactionByMessageId", "reactions", "message_id"),
            ("ReactionByMessageIdAndEmoji", "reactions", "message_id, emoji"),
            ("TopicByBotId", "bot_topics", "bot_id"),
        ];
        let loaders: Vec<_> = batchload::advisor::registered_for::<backend::Db>()
            .into_iter()
            .filter(|info| expected.iter().any(|(name, _, _)| *name == info.loader))
            .collect();
        let found: Vec<_> = loaders.iter().map(|info| (info.loader, info.table, info.key_column)).collect();
        assert_eq!(found, expected);
        let report = batchload::advisor::analyze(&db.pool, &loaders).await.expect("plan the relation statements");
        for plan in report.plans() {
            // Every loader indexed, the composite key `(topic_id, bot_id)` included: an index
            // led by any of its columns serves it (the primary key is `(bot_id, topic_id)`).
            assert_eq!(plan.access(), batchload::advisor::Access::Indexed, "{}:\n{}", plan.loader(), plan.plan());
        }
    })
    .await;
}
