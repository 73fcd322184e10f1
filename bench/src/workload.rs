//! The measured database workloads, one body each, used by both the criterion benches and
//! the quick mode.
//!
//! Every workload answers the same question, "the `bots` rows of these N keys", and checks
//! that it found all N:
//!
//! * `handwritten`: one single-parameter statement written by hand (SQLite:
//!   `id IN (SELECT value FROM json_each(?1))` with a JSON array built by hand; PostgreSQL:
//!   `id = ANY($1)` bound as a `BIGINT[]`), rows put in a `HashMap`: the physical limit;
//! * `handwritten_joined`: the hand-written statement, then N concurrent futures, each taking
//!   its own copy of its key's row from the `HashMap`, joined with `try_join_all`: what any
//!   loader that hands owned rows to per-key callers cannot go below;
//! * `loader_concurrent`: a fresh derived loader (`BotById`, cache cold), N concurrent
//!   `load(k)` joined in the measuring task (`try_join_all`);
//! * `loader_shared`: as `loader_concurrent` with `load_shared(k)`: each caller gets a
//!   handle on the batch's rows instead of its own copy;
//! * `loader_many`: a fresh loader, one `load_many` of the N keys;
//! * `loader_chunked`: as `loader_concurrent` with `max_batch_size(`[`CHUNK_KEYS`]`)`: above
//!   200 keys the batch runs as concurrent chunks (five statements at N = 1,000, as
//!   async-graphql's zero-delay loader ends up sending), the parallelism the default loader
//!   gives up for one statement per batch;
//! * `n_plus_one`: N sequential single-row statements (`WHERE id = ?`);
//! * `async_graphql`: a fresh async-graphql `DataLoader` (feature `dataloader`, no cache)
//!   whose `Loader` runs the hand-written statement, N concurrent `load_one` joined in the
//!   measuring task, with its default 1 ms delay;
//! * `async_graphql_zero_delay`: the same with `.delay(Duration::ZERO)`;
//! * `group_handwritten`: the group (one-to-many) read by hand: one statement over the
//!   indexed `bot_stances.bot_id` column with the key list as one parameter, ordered like the
//!   loader's (`ORDER BY id`), rows pushed into a `HashMap<bot_id, Vec<BotStance>>`;
//! * `group_loader_concurrent`: a fresh derived group loader (`BotStanceByBotId`), N
//!   concurrent `load(k)` joined in the measuring task (each yields a `Vec`).
//!
//! The one-to-one rows read N keys of `bots` ([`Workload::keys`]: every key has one row); the
//! group rows read N bots' stances (3 rows per key, [`group_keys`]).
//!
//! The cache row ([`Warm`]) compares `load(k)` on a warm loader with `HashMap::get` + clone.

/// One measured workload (a row of the benchmark tables).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// One hand-written single-parameter statement, rows into a `HashMap`.
    Handwritten,
    /// The hand-written statement, then N concurrent futures each cloning its row out of the
    /// `HashMap`, joined (the floor of per-key callers of owned rows).
    HandwrittenJoined,
    /// N concurrent `load(k)` through a fresh derived loader.
    LoaderConcurrent,
    /// N concurrent `load_shared(k)` through a fresh derived loader (rows shared, not copied).
    LoaderShared,
    /// One `load_many` of the N keys through a fresh derived loader.
    LoaderMany,
    /// N concurrent `load(k)` through a fresh loader with `max_batch_size(CHUNK_KEYS)`.
    LoaderChunked,
    /// N sequential single-row statements.
    NPlusOne,
    /// async-graphql's `DataLoader`, default delay (1 ms).
    AsyncGraphql,
    /// async-graphql's `DataLoader` with `.delay(Duration::ZERO)`.
    AsyncGraphqlZeroDelay,
    /// The one-to-many read by hand: one statement, rows grouped into a `HashMap` of `Vec`s.
    GroupHandwritten,
    /// N concurrent `load(k)` through a fresh derived group loader.
    GroupLoaderConcurrent,
    /// `loader_concurrent` with a bounded cache of N / 2 keys (`max_cached_keys`): half of
    /// the batch's keys are evicted as it is cached (the bounded cache's cost, with evictions).
    LoaderBounded,
}

impl Workload {
    /// Every workload, in the order of the JSON document.
    pub const ALL: [Self; 12] = [
        Self::Handwritten,
        Self::HandwrittenJoined,
        Self::LoaderConcurrent,
        Self::LoaderShared,
        Self::LoaderMany,
        Self::LoaderChunked,
        Self::NPlusOne,
        Self::AsyncGraphql,
        Self::AsyncGraphqlZeroDelay,
        Self::GroupHandwritten,
        Self::GroupLoaderConcurrent,
        Self::LoaderBounded,
    ];

    /// The row name (criterion benchmark id, JSON key without its `_us` suffix).
    pub fn name(self) -> &'static str {
        match self {
            Self::Handwritten => "handwritten",
            Self::HandwrittenJoined => "handwritten_joined",
            Self::LoaderConcurrent => "loader_concurrent",
            Self::LoaderShared => "loader_shared",
            Self::LoaderMany => "loader_many",
            Self::LoaderChunked => "loader_chunked",
            Self::NPlusOne => "n_plus_one",
            Self::AsyncGraphql => "async_graphql",
            Self::AsyncGraphqlZeroDelay => "async_graphql_zero_delay",
            Self::GroupHandwritten => "group_handwritten",
            Self::GroupLoaderConcurrent => "group_loader_concurrent",
            Self::LoaderBounded => "loader_bounded",
        }
    }

    /// True for the one-to-many rows (`bot_stances` by `bot_id`).
    pub fn is_group(self) -> bool {
        matches!(self, Self::GroupHandwritten | Self::GroupLoaderConcurrent)
    }

    /// The `count` keys this workload reads: [`crate::spread_keys`] for the one-to-one rows,
    /// [`group_keys`] for the group rows.
    pub fn keys(self, count: usize) -> Vec<i64> {
        if self.is_group() { group_keys(count) } else { crate::spread_keys(count) }
    }

    /// Rows the workload must find for `keys`: one per key, or for the group rows the seeded
    /// stances of each bot (`bot_id % 4`, see `seed::stances`).
    pub fn expected_rows(self, keys: &[i64]) -> usize {
        if self.is_group() { keys.iter().map(|&key| (key % 4) as usize).sum() } else { keys.len() }
    }
}

/// `max_batch_size` of the `loader_chunked` row: keys per chunk statement.
pub const CHUNK_KEYS: usize = 200;

/// `count` bots spread over the table whose id is 3 modulo 4, so each has 3 seeded stances:
/// [`crate::spread_keys`] shifted by 2 (its steps are multiples of 4 for N <= 1,000; at
/// N = 10,000 half the bots have 1 stance).
pub fn group_keys(count: usize) -> Vec<i64> {
    crate::spread_keys(count).into_iter().map(|key| key + 2).collect()
}

/// A seeded benchmark database: [`crate::BOTS`] bots, analyzed, over a pool of
/// [`crate::POOL_SIZE`] connections. The database is deleted when the value is dropped.
pub enum Backend {
    /// A WAL-mode SQLite file database in a temporary directory.
    Sqlite(batchload_tests_sqlite::TestDb),
    /// A fresh database on a PostgreSQL server (dropped afterwards).
    Postgres(Box<batchload_tests_postgres::TestDb>),
}

impl Backend {
    /// A fresh, seeded SQLite benchmark database: [`crate::BOTS`] bots and their stances
    /// (`bot_stances`, indexed on `bot_id` by migration 0002).
    ///
    /// # Panics
    /// If it cannot be created or seeded.
    pub async fn sqlite() -> Self {
        let db = batchload_tests_sqlite::TestDb::new(crate::POOL_SIZE).await;
        batchload_tests_sqlite::seed::bots(&db.pool, crate::BOTS).await.expect("seed the SQLite bots");
        batchload_tests_sqlite::seed::stances(&db.pool, crate::BOTS).await.expect("seed the SQLite stances");
        sqlx::query("ANALYZE").execute(&db.pool).await.expect("ANALYZE");
        Self::Sqlite(db)
    }

    /// A fresh, seeded database on the PostgreSQL server at `url`; `None` (and a line on
    /// stderr saying so) when the server is unreachable.
    ///
    /// # Panics
    /// If the database cannot be created or seeded.
    pub async fn postgres(url: &str) -> Option<Self> {
        use sqlx::{ConnectOptions as _, Connection as _};
        let options: sqlx::postgres::PgConnectOptions = match url.parse() {
            Ok(options) => options,
            Err(error) => {
                eprintln!("SKIPPED: PostgreSQL benchmarks: invalid URL {url}: {error}");
                return None;
            }
        };
        match options.connect().await {
            Ok(connection) => drop(connection.close().await),
            Err(error) => {
                eprintln!("SKIPPED: PostgreSQL benchmarks: no server at {url} ({error})");
                return None;
            }
        }
        let db = batchload_tests_postgres::TestDb::connect_to(url, crate::POOL_SIZE).await?;
        batchload_tests_postgres::seed::bots(&db.pool, crate::BOTS).await.expect("seed the PostgreSQL bots");
        batchload_tests_postgres::seed::stances(&db.pool, crate::BOTS).await.expect("seed the PostgreSQL stances");
        sqlx::query("ANALYZE").execute(&db.pool).await.expect("ANALYZE");
        Some(Self::Postgres(Box::new(db)))
    }

    /// `sqlite` or `postgres` (the JSON key).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }

    /// Runs `workload` once for `keys` (from [`Workload::keys`]).
    ///
    /// # Panics
    /// On a database error, or when a row is missing ([`Workload::expected_rows`]).
    pub async fn run(&self, workload: Workload, keys: &[i64]) {
        let found = match self {
            Self::Sqlite(db) => sqlite::run(&db.pool, workload, keys).await,
            Self::Postgres(db) => postgres::run(&db.pool, workload, keys).await,
        };
        assert_eq!(found, workload.expected_rows(keys), "{} on {}: rows found", workload.name(), self.name());
    }

    /// A warm loader (every key of `keys` loaded) and the same rows in a `HashMap`.
    ///
    /// # Panics
    /// On a database error.
    pub async fn warm(&self, keys: &[i64]) -> Warm {
        match self {
            Self::Sqlite(db) => Warm::Sqlite(sqlite::Warm::new(&db.pool, keys).await),
            Self::Postgres(db) => Warm::Postgres(postgres::Warm::new(&db.pool, keys).await),
        }
    }
}

/// The `cached_hit` row: a loader whose cache holds the keys, and a `HashMap` with the same
/// rows (the baseline: a lookup and a clone).
pub enum Warm {
    /// On SQLite.
    Sqlite(sqlite::Warm),
    /// On PostgreSQL.
    Postgres(postgres::Warm),
}

impl Warm {
    /// `load(key)` on the warm loader (answered from its cache); true when a row was found.
    ///
    /// # Panics
    /// On an error (none is possible from the cache).
    pub async fn load(&self, key: i64) -> bool {
        match self {
            Self::Sqlite(warm) => warm.loader.load(key).await.expect("cached load").is_some(),
            Self::Postgres(warm) => warm.loader.load(key).await.expect("cached load").is_some(),
        }
    }

    /// `HashMap::get` + clone of the same row; true when a row was found.
    pub fn get(&self, key: i64) -> bool {
        match self {
            Self::Sqlite(warm) => std::hint::black_box(warm.map.get(&key).cloned()).is_some(),
            Self::Postgres(warm) => std::hint::black_box(warm.map.get(&key).cloned()).is_some(),
        }
    }
}

/// The workloads of one backend: everything but the hand-written statement (which differs
/// by dialect and bind type, and is passed in) is the same code.
macro_rules! backend_workloads {
    ($tests:ident, $pool:ty, $by_id_sql:literal, $handwritten:path, $group_handwritten:path) => {
        use std::collections::HashMap;
        use std::sync::Arc;

        use futures_util::future::try_join_all;

        use $tests::{Bot, BotById, BotStance, BotStanceByBotId, Timestamp};

        use super::Workload;

        /// The columns every hand-written statement reads.
        type Row = (i64, String, String, Timestamp);

        fn bot((id, name, persona, created_at): Row) -> Bot {
            Bot { id, name, persona, created_at }
        }

        /// The columns every hand-written group statement reads.
        type StanceRow = (i64, i64, String, String, f64, Option<String>);

        fn stance((id, bot_id, topic, stance, strength, note): StanceRow) -> BotStance {
            BotStance { id, bot_id, topic, stance, strength, note }
        }

        /// Rows in statement order grouped by `bot_id`, as a group loader hands them out.
        fn group(rows: Vec<StanceRow>) -> HashMap<i64, Vec<BotStance>> {
            let mut groups: HashMap<i64, Vec<BotStance>> = HashMap::new();
            for row in rows {
                groups.entry(row.1).or_default().push(stance(row));
            }
            groups
        }

        /// Runs `workload` once; returns how many keys were found.
        pub(super) async fn run(pool: &$pool, workload: Workload, keys: &[i64]) -> usize {
            match workload {
                Workload::Handwritten => $handwritten(pool, keys).await.expect("hand-written query").len(),
                Workload::LoaderConcurrent => {
                    let loader = BotById::new(pool.clone());
                    let rows = try_join_all(keys.iter().map(|&key| loader.load(key))).await.expect("load");
                    rows.iter().filter(|row| row.is_some()).count()
                }
                Workload::HandwrittenJoined => {
                    let rows = $handwritten(pool, keys).await.expect("hand-written query");
                    let rows = &rows;
                    let copies = try_join_all(
                        keys.iter().map(|key| async move { Ok::<_, std::convert::Infallible>(rows.get(key).cloned()) }),
                    )
                    .await
                    .unwrap_or_else(|never| match never {});
                    copies.iter().filter(|row| row.is_some()).count()
                }
                Workload::LoaderShared => {
                    let loader = BotById::new(pool.clone());
                    let rows = try_join_all(keys.iter().map(|&key| loader.load_shared(key))).await.expect("load");
                    rows.iter().filter(|row| row.is_some()).count()
                }
                Workload::LoaderChunked => {
                    let options = batchload::LoaderOptions::new().max_batch_size(super::CHUNK_KEYS);
                    let loader = BotById::with_options(pool.clone(), options);
                    let rows = try_join_all(keys.iter().map(|&key| loader.load(key))).await.expect("load");
                    rows.iter().filter(|row| row.is_some()).count()
                }
                Workload::LoaderBounded => {
                    let options = batchload::LoaderOptions::new().max_cached_keys(keys.len() / 2);
                    let loader = BotById::with_options(pool.clone(), options);
                    let rows = try_join_all(keys.iter().map(|&key| loader.load(key))).await.expect("load");
                    rows.iter().filter(|row| row.is_some()).count()
                }
                Workload::LoaderMany => {
                    let loader = BotById::new(pool.clone());
                    loader.load_many(keys.iter().copied()).await.expect("load_many").len()
                }
                Workload::NPlusOne => {
                    let mut found = 0;
                    for &key in keys {
                        let row: Option<Row> =
                            sqlx::query_as($by_id_sql).bind(key).fetch_optional(pool).await.expect("single-row query");
                        found += usize::from(row.map(bot).is_some());
                    }
                    found
                }
                Workload::AsyncGraphql | Workload::AsyncGraphqlZeroDelay => {
                    let mut loader =
                        async_graphql::dataloader::DataLoader::new(GraphqlBots(pool.clone()), tokio::spawn);
                    if workload == Workload::AsyncGraphqlZeroDelay {
                        loader = loader.delay(std::time::Duration::ZERO);
                    }
                    let rows = try_join_all(keys.iter().map(|&key| loader.load_one(key))).await.expect("load_one");
                    rows.iter().filter(|row| row.is_some()).count()
                }
                Workload::GroupHandwritten => {
                    $group_handwritten(pool, keys).await.expect("hand-written group query").values().map(Vec::len).sum()
                }
                Workload::GroupLoaderConcurrent => {
                    let loader = BotStanceByBotId::new(pool.clone());
                    let groups = try_join_all(keys.iter().map(|&key| loader.load(key))).await.expect("group load");
                    groups.iter().map(Vec::len).sum()
                }
            }
        }

        /// async-graphql's `Loader` over the hand-written statement.
        struct GraphqlBots($pool);

        impl async_graphql::dataloader::Loader<i64> for GraphqlBots {
            type Value = Bot;
            type Error = Arc<sqlx::Error>;

            async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Bot>, Self::Error> {
                $handwritten(&self.0, keys).await.map_err(Arc::new)
            }
        }

        /// A warm loader and the same rows in a `HashMap` (see [`super::Warm`]).
        pub struct Warm {
            pub(super) loader: BotById,
            pub(super) map: HashMap<i64, Bot>,
        }

        impl Warm {
            pub(super) async fn new(pool: &$pool, keys: &[i64]) -> Self {
                let loader = BotById::new(pool.clone());
                let rows = loader.load_many(keys.iter().copied()).await.expect("warm the loader");
                let map = $handwritten(pool, keys).await.expect("hand-written query");
                assert_eq!((rows.len(), map.len()), (keys.len(), keys.len()), "every key has a row");
                Self { loader, map }
            }
        }
    };
}

/// The SQLite workloads.
pub mod sqlite {
    use std::fmt::Write as _;

    backend_workloads!(
        batchload_tests_sqlite,
        sqlx::SqlitePool,
        "SELECT id, name, persona, created_at FROM bots WHERE id = ?1",
        handwritten,
        group_handwritten
    );

    /// The hand-written query: the keys as one JSON array parameter, rows into a `HashMap`.
    ///
    /// # Errors
    /// Any database error.
    pub async fn handwritten(pool: &sqlx::SqlitePool, keys: &[i64]) -> Result<HashMap<i64, Bot>, sqlx::Error> {
        let mut json = String::with_capacity(keys.len() * 8 + 2);
        json.push('[');
        for (index, key) in keys.iter().enumerate() {
            if index > 0 {
                json.push(',');
            }
            let _ = write!(json, "{key}");
        }
        json.push(']');
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, name, persona, created_at FROM bots WHERE id IN (SELECT value FROM json_each(?1))",
        )
        .bind(json)
        .fetch_all(pool)
        .await?;
        Ok(rows.into_iter().map(|row| (row.0, bot(row))).collect())
    }

    /// The hand-written group query: the bot ids as one JSON array parameter, rows grouped
    /// by `bot_id` in `id` order.
    ///
    /// # Errors
    /// Any database error.
    pub async fn group_handwritten(
        pool: &sqlx::SqlitePool,
        keys: &[i64],
    ) -> Result<HashMap<i64, Vec<BotStance>>, sqlx::Error> {
        let mut json = String::with_capacity(keys.len() * 8 + 2);
        json.push('[');
        for (index, key) in keys.iter().enumerate() {
            if index > 0 {
                json.push(',');
            }
            let _ = write!(json, "{key}");
        }
        json.push(']');
        let rows: Vec<StanceRow> = sqlx::query_as(
            "SELECT id, bot_id, topic, stance, strength, note FROM bot_stances \
             WHERE bot_id IN (SELECT value FROM json_each(?1)) ORDER BY id",
        )
        .bind(json)
        .fetch_all(pool)
        .await?;
        Ok(group(rows))
    }
}

/// The PostgreSQL workloads.
pub mod postgres {
    backend_workloads!(
        batchload_tests_postgres,
        sqlx::PgPool,
        "SELECT id, name, persona, created_at FROM bots WHERE id = $1",
        handwritten,
        group_handwritten
    );

    /// The hand-written query: the keys as one `BIGINT[]` parameter, rows into a `HashMap`.
    ///
    /// # Errors
    /// Any database error.
    pub async fn handwritten(pool: &sqlx::PgPool, keys: &[i64]) -> Result<HashMap<i64, Bot>, sqlx::Error> {
        let rows: Vec<Row> = sqlx::query_as("SELECT id, name, persona, created_at FROM bots WHERE id = ANY($1)")
            .bind(keys)
            .fetch_all(pool)
            .await?;
        Ok(rows.into_iter().map(|row| (row.0, bot(row))).collect())
    }

    /// The hand-written group query: the bot ids as one `BIGINT[]` parameter, rows grouped
    /// by `bot_id` in `id` order.
    ///
    /// # Errors
    /// Any database error.
    pub async fn group_handwritten(
        pool: &sqlx::PgPool,
        keys: &[i64],
    ) -> Result<HashMap<i64, Vec<BotStance>>, sqlx::Error> {
        let rows: Vec<StanceRow> = sqlx::query_as(
            "SELECT id, bot_id, topic, stance, strength, note FROM bot_stances WHERE bot_id = ANY($1) ORDER BY id",
        )
        .bind(keys)
        .fetch_all(pool)
        .await?;
        Ok(group(rows))
    }
}
