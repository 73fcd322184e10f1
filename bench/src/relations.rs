//! Benchmark rows of the relation loaders (issue 14), each against its hand-written
//! baseline measured in the same run, interleaved (see [`crate::measure`]):
//!
//! * `topn_loader`: a fresh top-N loader (`ReactionByMessageId`: the 3 best reactions of each
//!   message, `ORDER BY score DESC, id DESC`), N concurrent `load(k)`;
//!   `topn_loop`: N sequential `... WHERE message_id = $1 ORDER BY score DESC, id DESC
//!   LIMIT 3` statements; `topn_window`: one hand-written window statement
//!   (`ROW_NUMBER() OVER (PARTITION BY message_id ...)` in a derived table, `rn <= 3`) with the
//!   key list as one parameter, rows grouped into a `HashMap`;
//! * `m2m_loader`: a fresh many-to-many loader (`TopicByBotId`, through `bot_topics`), N
//!   concurrent `load(k)`; `m2m_chained`: the same answers from two chained loaders
//!   (`BotTopicByBotId`, then `TopicById::load_many` of the topic ids): two statements;
//! * `composite_loader`: a fresh composite-key loader (`BotTopicByTopicIdAndBotId`), N
//!   concurrent `load((topic_id, bot_id))`; `composite_handwritten`: one hand-written
//!   statement for the same pairs (SQLite: row-value `IN` over `json_each`; PostgreSQL:
//!   `IN (SELECT * FROM UNNEST($1::int8[], $2::int8[]))`), rows into a `HashMap`.
//!
//! Data: [`PARENTS`] messages with [`REACTIONS_PER_PARENT`] reactions each (scores with ties),
//! [`PARENTS`] bots following [`TOPICS_PER_BOT`] of [`TOPICS`] topics each.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures_util::future::try_join_all;
use serde_json::{Map, Value, json};

use crate::measure::{interleaved, median};

/// Parents (messages, bots) in the data set.
pub const PARENTS: i64 = 2_000;
/// Reactions of every message.
pub const REACTIONS_PER_PARENT: i64 = 20;
/// Topics in the data set.
pub const TOPICS: i64 = 500;
/// Topics each bot follows.
pub const TOPICS_PER_BOT: i64 = 8;

/// One measured row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    /// Top-N loader.
    TopnLoader,
    /// Per-parent `LIMIT` statements in a loop.
    TopnLoop,
    /// One hand-written window statement.
    TopnWindow,
    /// Many-to-many loader.
    M2mLoader,
    /// Two chained loaders.
    M2mChained,
    /// Composite-key loader.
    CompositeLoader,
    /// Hand-written composite-key statement.
    CompositeHandwritten,
}

impl Row {
    /// Every row, in the order of the document.
    pub const ALL: [Self; 7] = [
        Self::TopnLoader,
        Self::TopnLoop,
        Self::TopnWindow,
        Self::M2mLoader,
        Self::M2mChained,
        Self::CompositeLoader,
        Self::CompositeHandwritten,
    ];

    /// The row's name (JSON key without its `_us` suffix).
    pub fn name(self) -> &'static str {
        match self {
            Self::TopnLoader => "topn_loader",
            Self::TopnLoop => "topn_loop",
            Self::TopnWindow => "topn_window",
            Self::M2mLoader => "m2m_loader",
            Self::M2mChained => "m2m_chained",
            Self::CompositeLoader => "composite_loader",
            Self::CompositeHandwritten => "composite_handwritten",
        }
    }
}

/// The ratios the issue asks for: `(name, numerator row, denominator row)`.
pub const RATIOS: [(&str, Row, Row); 4] = [
    ("topn_loader / topn_loop", Row::TopnLoader, Row::TopnLoop),
    ("topn_loader / topn_window", Row::TopnLoader, Row::TopnWindow),
    ("m2m_loader / m2m_chained", Row::M2mLoader, Row::M2mChained),
    ("composite_loader / composite_handwritten", Row::CompositeLoader, Row::CompositeHandwritten),
];

macro_rules! backend_rows {
    ($module:ident, $crate_name:ident) => {
        /// The rows on one backend.
        pub mod $module {
            use super::*;
            use $crate_name::{
                BotTopicByBotId, BotTopicByTopicIdAndBotId, Reaction, ReactionByMessageId, Topic, TopicByBotId,
                TopicById,
            };

            /// The pool type of this backend.
            pub type Pool = sqlx::Pool<$crate_name::Db>;

            /// Fills the relation fixture tables of a fresh database (see the module docs).
            ///
            /// # Panics
            /// On a database error.
            pub async fn seed(pool: &Pool) {
                let mut reactions = Vec::new();
                for message_id in 1..=PARENTS {
                    for index in 0..REACTIONS_PER_PARENT {
                        reactions.push((message_id, ["a", "b", "c"][(index % 3) as usize], (index * 7) % 5));
                    }
                }
                for (chunk_index, chunk) in reactions.chunks(5_000).enumerate() {
                    let mut insert = sqlx::QueryBuilder::<$crate_name::Db>::new(
                        "INSERT INTO reactions (id, message_id, emoji, score) ",
                    );
                    let first = (chunk_index * 5_000) as i64 + 1;
                    insert.push_values(chunk.iter().zip(first..), |mut row, ((message_id, emoji, score), id)| {
                        row.push_bind(id).push_bind(*message_id).push_bind(*emoji).push_bind(*score);
                    });
                    insert.build().execute(pool).await.expect("insert reactions");
                }
                let mut insert = sqlx::QueryBuilder::<$crate_name::Db>::new("INSERT INTO topics (id, name) ");
                insert.push_values(1..=TOPICS, |mut row, id| {
                    row.push_bind(id).push_bind(format!("topic-{id}"));
                });
                insert.build().execute(pool).await.expect("insert topics");
                let follows: Vec<(i64, i64, i64)> = (1..=PARENTS)
                    .flat_map(|bot| {
                        (0..TOPICS_PER_BOT).map(move |index| (bot, 1 + (bot * 13 + index * 37) % TOPICS, index % 3))
                    })
                    .collect();
                for chunk in follows.chunks(5_000) {
                    let mut insert = sqlx::QueryBuilder::<$crate_name::Db>::new(
                        "INSERT INTO bot_topics (bot_id, topic_id, position) ",
                    );
                    insert.push_values(chunk, |mut row, (bot, topic, position)| {
                        row.push_bind(*bot).push_bind(*topic).push_bind(*position);
                    });
                    insert.build().execute(pool).await.expect("insert bot_topics");
                }
                for table in ["reactions", "topics", "bot_topics"] {
                    sqlx::query(sqlx::AssertSqlSafe(format!("ANALYZE {table}"))).execute(pool).await.ok();
                }
            }

            fn reaction((id, message_id, emoji, score): (i64, i64, String, i64)) -> Reaction {
                Reaction { id, message_id, emoji, score }
            }

            /// Runs `row` for `keys` (parents for top-N and many-to-many; the composite rows use
            /// the pairs `(topic of the bot, bot)` of those parents); returns the number of rows
            /// found, checked by the caller to be equal across a row and its baseline.
            ///
            /// # Panics
            /// On a database or loader error.
            pub async fn run(pool: &Pool, row: Row, keys: &[i64], pairs: &[(i64, i64)]) -> usize {
                match row {
                    Row::TopnLoader => {
                        let loader = ReactionByMessageId::new(pool.clone());
                        let answers = try_join_all(keys.iter().map(|key| loader.load(*key))).await.expect("load");
                        answers.iter().map(Vec::len).sum()
                    }
                    Row::TopnLoop => {
                        let mut found = 0;
                        for key in keys {
                            let rows =
                                sqlx::query_as::<_, (i64, i64, String, i64)>(sqlx::AssertSqlSafe($crate_name::sql(
                                    "SELECT id, message_id, emoji, score FROM reactions WHERE message_id = $1 \
                                     ORDER BY score DESC, id DESC LIMIT 3",
                                )))
                                .bind(*key)
                                .fetch_all(pool)
                                .await
                                .expect("per-parent statement");
                            found += rows.into_iter().map(reaction).count();
                        }
                        found
                    }
                    Row::TopnWindow => {
                        let rows = window(pool, keys).await;
                        let mut grouped: HashMap<i64, Vec<Reaction>> = HashMap::with_capacity(keys.len());
                        for row in rows {
                            let row = reaction(row);
                            grouped.entry(row.message_id).or_default().push(row);
                        }
                        grouped.values().map(Vec::len).sum()
                    }
                    Row::M2mLoader => {
                        let loader = TopicByBotId::new(pool.clone());
                        let answers = try_join_all(keys.iter().map(|key| loader.load(*key))).await.expect("load");
                        answers.iter().map(Vec::len).sum()
                    }
                    Row::M2mChained => {
                        let follows = BotTopicByBotId::new(pool.clone());
                        let topics = TopicById::new(pool.clone());
                        let answers = try_join_all(keys.iter().map(|key| {
                            let (follows, topics) = (&follows, &topics);
                            async move {
                                let links = follows.load(*key).await?;
                                let found = topics.load_many(links.iter().map(|link| link.topic_id)).await?;
                                Ok::<Vec<Topic>, batchload::Error>(
                                    links.iter().filter_map(|link| found.get(&link.topic_id).cloned()).collect(),
                                )
                            }
                        }))
                        .await
                        .expect("chained loads");
                        answers.iter().map(Vec::len).sum()
                    }
                    Row::CompositeLoader => {
                        let loader = BotTopicByTopicIdAndBotId::new(pool.clone());
                        let answers = try_join_all(pairs.iter().map(|pair| loader.load(*pair))).await.expect("load");
                        answers.iter().flatten().count()
                    }
                    Row::CompositeHandwritten => {
                        let rows = composite(pool, pairs).await;
                        let found: HashMap<(i64, i64), (i64, i64, i64)> =
                            rows.into_iter().map(|row| ((row.1, row.0), row)).collect();
                        found.len()
                    }
                }
            }
        }
    };
}

backend_rows!(sqlite, batchload_tests_sqlite);
backend_rows!(postgres, batchload_tests_postgres);

/// The hand-written window statement, SQLite.
async fn window_sqlite(pool: &sqlx::SqlitePool, keys: &[i64]) -> Vec<(i64, i64, String, i64)> {
    sqlx::query_as(
        "SELECT id, message_id, emoji, score FROM (SELECT id, message_id, emoji, score, ROW_NUMBER() OVER \
         (PARTITION BY message_id ORDER BY score DESC, id DESC) AS rn FROM reactions \
         WHERE message_id IN (SELECT value FROM json_each(?1))) WHERE rn <= 3",
    )
    .bind(serde_json::to_string(keys).expect("JSON keys"))
    .fetch_all(pool)
    .await
    .expect("window statement")
}

/// The hand-written window statement, PostgreSQL.
async fn window_postgres(pool: &sqlx::PgPool, keys: &[i64]) -> Vec<(i64, i64, String, i64)> {
    sqlx::query_as(
        "SELECT id, message_id, emoji, score FROM (SELECT id, message_id, emoji, score, ROW_NUMBER() OVER \
         (PARTITION BY message_id ORDER BY score DESC, id DESC) AS rn FROM reactions \
         WHERE message_id = ANY($1)) AS x WHERE rn <= 3",
    )
    .bind(keys)
    .fetch_all(pool)
    .await
    .expect("window statement")
}

/// The hand-written composite-key statement, SQLite: `(bot_id, topic_id, position)` rows.
async fn composite_sqlite(pool: &sqlx::SqlitePool, pairs: &[(i64, i64)]) -> Vec<(i64, i64, i64)> {
    let list: Vec<[i64; 2]> = pairs.iter().map(|(topic, bot)| [*topic, *bot]).collect();
    sqlx::query_as(
        "SELECT bot_id, topic_id, position FROM bot_topics WHERE (topic_id, bot_id) IN \
         (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?1))",
    )
    .bind(serde_json::to_string(&list).expect("JSON pairs"))
    .fetch_all(pool)
    .await
    .expect("composite statement")
}

/// The hand-written composite-key statement, PostgreSQL: one array per column.
async fn composite_postgres(pool: &sqlx::PgPool, pairs: &[(i64, i64)]) -> Vec<(i64, i64, i64)> {
    let topics: Vec<i64> = pairs.iter().map(|pair| pair.0).collect();
    let bots: Vec<i64> = pairs.iter().map(|pair| pair.1).collect();
    sqlx::query_as(
        "SELECT bot_id, topic_id, position FROM bot_topics WHERE (topic_id, bot_id) IN \
         (SELECT * FROM UNNEST($1::int8[], $2::int8[]))",
    )
    .bind(topics)
    .bind(bots)
    .fetch_all(pool)
    .await
    .expect("composite statement")
}

mod dispatch {
    pub(super) trait Window {
        async fn window(&self, keys: &[i64]) -> Vec<(i64, i64, String, i64)>;
        async fn composite(&self, pairs: &[(i64, i64)]) -> Vec<(i64, i64, i64)>;
    }
    impl Window for sqlx::SqlitePool {
        async fn window(&self, keys: &[i64]) -> Vec<(i64, i64, String, i64)> {
            super::window_sqlite(self, keys).await
        }
        async fn composite(&self, pairs: &[(i64, i64)]) -> Vec<(i64, i64, i64)> {
            super::composite_sqlite(self, pairs).await
        }
    }
    impl Window for sqlx::PgPool {
        async fn window(&self, keys: &[i64]) -> Vec<(i64, i64, String, i64)> {
            super::window_postgres(self, keys).await
        }
        async fn composite(&self, pairs: &[(i64, i64)]) -> Vec<(i64, i64, i64)> {
            super::composite_postgres(self, pairs).await
        }
    }
}

async fn window<P: dispatch::Window>(pool: &P, keys: &[i64]) -> Vec<(i64, i64, String, i64)> {
    pool.window(keys).await
}

async fn composite<P: dispatch::Window>(pool: &P, pairs: &[(i64, i64)]) -> Vec<(i64, i64, i64)> {
    pool.composite(pairs).await
}

/// `count` parents spread over the data set, and the composite pairs of their first topic.
pub fn keys(count: usize) -> (Vec<i64>, Vec<(i64, i64)>) {
    let step = (PARENTS as usize / count.max(1)).max(1) as i64;
    let parents: Vec<i64> = (0..count as i64).map(|index| 1 + index * step).collect();
    let pairs = parents.iter().map(|bot| (1 + (bot * 13) % TOPICS, *bot)).collect();
    (parents, pairs)
}

/// Measures every row at every size with `run` (one backend), interleaved; returns
/// `{"<size>": {"<row>_us": median, ...}, ...}` and checks that each row found as many rows
/// as its baseline.
///
/// # Panics
/// When a row and its baseline disagree on the number of rows found.
pub fn measure<F>(runtime: &tokio::runtime::Runtime, sizes: &[usize], warmup: usize, rounds: usize, run: F) -> Value
where
    F: Fn(Row, &[i64], &[(i64, i64)]) -> futures_util::future::BoxFuture<'static, usize>,
{
    let mut by_size = Map::new();
    for &size in sizes {
        let (parents, pairs) = keys(size);
        let mut found = vec![0usize; Row::ALL.len()];
        let samples = interleaved(Row::ALL.len(), warmup, rounds, |side| {
            runtime.block_on(async {
                let started = Instant::now();
                found[side] = run(Row::ALL[side], &parents, &pairs).await;
                started.elapsed()
            })
        });
        for (name, numerator, denominator) in RATIOS {
            let (a, b) = (found[numerator as usize], found[denominator as usize]);
            assert_eq!(a, b, "{name}: both sides find the same rows");
        }
        let mut row = Map::new();
        for (kind, samples) in Row::ALL.iter().zip(&samples) {
            row.insert(format!("{}_us", kind.name()), json!(micros(median(samples))));
        }
        by_size.insert(size.to_string(), Value::Object(row));
    }
    Value::Object(by_size)
}

fn micros(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 1e7).round() / 10.0
}

/// The ratios for every backend and size of `document` (as produced by [`measure`]
/// under a backend name), e.g. `("postgres N=100 topn_loader / topn_loop", 0.05)`.
pub fn ratios(document: &Value) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    let Some(backends) = document.as_object() else { return out };
    for (backend, sizes) in backends {
        let Some(sizes) = sizes.as_object() else { continue };
        for (size, row) in sizes {
            for (name, numerator, denominator) in RATIOS {
                let value = |row_kind: Row| row.get(format!("{}_us", row_kind.name())).and_then(Value::as_f64);
                if let (Some(a), Some(b)) = (value(numerator), value(denominator))
                    && b > 0.0
                {
                    out.push((format!("{backend} N={size} {name}"), a / b));
                }
            }
        }
    }
    out
}
