//! The backends botfeed runs on, behind three small traits so that the run is written once:
//! [`Chinook`] and [`Synthetic`] (the workloads: SQLite, PostgreSQL, MySQL) and [`Server`] (a
//! database server: databases created, migrated, seeded and dropped by botfeed).
//! Each backend's queries live in its own crate (`botfeed`, `botfeed-postgres`,
//! `botfeed-mysql`), since sqlx checks a crate's queries against one database; these impls
//! only forward to them.

use std::fmt::Display;
use std::future::Future;
use std::path::Path;

use batchload::advisor::PlanDatabase;
use botfeed_mysql::synthetic as mysql_synthetic;
use botfeed_postgres::synthetic as postgres_synthetic;

use crate::Error;
use crate::db::SeedSize;
use crate::synthetic as sqlite_synthetic;

/// The Chinook workloads of one backend (operations named `chinook-invoices::naive` etc.).
pub(crate) trait Chinook {
    /// The database of the pool (the index phase applies a migration to it).
    type Database: PlanDatabase<Connection: sqlx::migrate::Migrate>;
    /// Chinook's id type on this backend.
    type Id: Copy + Display;

    /// Every invoice id, in order.
    fn invoice_ids(pool: &sqlx::Pool<Self::Database>) -> impl Future<Output = Result<Vec<Self::Id>, Error>>;
    /// Every playlist id, in order.
    fn playlist_ids(pool: &sqlx::Pool<Self::Database>) -> impl Future<Output = Result<Vec<Self::Id>, Error>>;
    /// One invoice's detail, per item.
    fn invoice_naive(pool: &sqlx::Pool<Self::Database>, id: Self::Id) -> impl Future<Output = Result<String, Error>>;
    /// One invoice's detail with loaders.
    fn invoice_batched(pool: &sqlx::Pool<Self::Database>, id: Self::Id) -> impl Future<Output = Result<String, Error>>;
    /// One playlist's export, per item.
    fn playlist_naive(pool: &sqlx::Pool<Self::Database>, id: Self::Id) -> impl Future<Output = Result<String, Error>>;
    /// One playlist's export with loaders.
    fn playlist_batched(pool: &sqlx::Pool<Self::Database>, id: Self::Id)
    -> impl Future<Output = Result<String, Error>>;
}

/// The synthetic workloads of one backend: `botfeed` (operations `botfeed::naive` and
/// `botfeed::batched`) and `tick` (`tick::naive` and `tick::batched`).
pub(crate) trait Synthetic: Chinook {
    /// A step of the synthetic plan (the crate's own `logic::Step`).
    type Step: Copy + Send + 'static;
    /// A generated message (the crate's own `logic::Generated`).
    type Generated: PartialEq + Send + 'static;
    /// The batched engine's long-lived loaders (clones share their caches).
    type Loaders: Clone + Send + Sync + 'static;

    /// The synthetic plan.
    fn plan(seed: u64, messages: usize, chats: i64) -> Vec<Self::Step>;
    /// Step `index` of a load test's worker: chat and choice value drawn from `rng`.
    fn step(index: usize, rng: &mut fastrand::Rng, chats: i64) -> Self::Step;
    /// Seconds after the epoch of the message of `step`.
    fn created_at_seconds(history: i64, step: &Self::Step) -> i64;
    /// One message, per item (the insert through `writer`).
    fn generate_naive(
        pool: &sqlx::Pool<Self::Database>,
        writer: &sqlx::Pool<Self::Database>,
        step: Self::Step,
        seconds: i64,
    ) -> impl Future<Output = Result<Self::Generated, Error>> + Send;
    /// The batched engine's loaders over `pool`.
    fn loaders(pool: &sqlx::Pool<Self::Database>) -> Self::Loaders;
    /// One message, with loaders (the insert through `writer`).
    fn generate_batched(
        pool: &sqlx::Pool<Self::Database>,
        writer: &sqlx::Pool<Self::Database>,
        loaders: &Self::Loaders,
        step: Self::Step,
        seconds: i64,
    ) -> impl Future<Output = Result<Self::Generated, Error>> + Send;
    /// A generated message as one report line.
    fn line(generated: &Self::Generated) -> String;
    /// An engine tick (the crate's own `logic::Tick`).
    type Tick: Send + Sync + 'static;
    /// The ticks of a run (`logic::tick_plan`).
    fn tick_plan(seed: u64, ticks: usize, per_tick: usize, chats: i64, first_index: usize) -> Vec<Self::Tick>;
    /// One tick, per item.
    fn tick_naive(
        pool: &sqlx::Pool<Self::Database>,
        tick: &Self::Tick,
        history: i64,
    ) -> impl Future<Output = Result<Vec<Self::Generated>, Error>> + Send;
    /// One tick, with loaders.
    fn tick_batched(
        pool: &sqlx::Pool<Self::Database>,
        tick: &Self::Tick,
        history: i64,
    ) -> impl Future<Output = Result<Vec<Self::Generated>, Error>> + Send;
    /// Statements, distinct keys, cache hits and cache misses of the loaders so far (summed over
    /// both loaders, from their `LoaderStats`).
    fn loader_counts(loaders: &Self::Loaders) -> (u64, u64, u64, u64);
}

/// A database server: every database is created by botfeed under a name it chooses, and
/// dropped at the end.
pub(crate) trait Server: Synthetic {
    /// Name in the report (`postgresql`, `mysql`).
    const BACKEND: &'static str;

    /// A new empty database `name` on the server of `url` (an older one of that name dropped).
    fn create_database(url: &str, name: &str) -> impl Future<Output = Result<sqlx::Pool<Self::Database>, Error>>;
    /// A pool of `max_connections` on the existing database `name` on the server of `url`.
    fn connect(
        url: &str,
        name: &str,
        max_connections: u32,
    ) -> impl Future<Output = Result<sqlx::Pool<Self::Database>, Error>>;
    /// Migrates it, with or without the index migration.
    fn migrate(pool: &sqlx::Pool<Self::Database>, with_indexes: bool) -> impl Future<Output = Result<(), Error>>;
    /// Readies the database for the index advisor's what-if proofs (PostgreSQL: `CREATE
    /// EXTENSION hypopg` when the server has it; without it the advisor's suggestions are not
    /// verified, so not written). Nothing to do on MySQL.
    fn prepare_advisor(pool: &sqlx::Pool<Self::Database>) -> impl Future<Output = ()>;
    /// Writes the synthetic data set of `seed`.
    fn seed(pool: &sqlx::Pool<Self::Database>, seed: u64, size: SeedSize) -> impl Future<Output = Result<(), Error>>;
    /// Drops database `name`.
    fn drop_database(url: &str, name: &str) -> impl Future<Output = Result<(), Error>>;
    /// Creates database `name` and loads the Chinook script of this backend from `dir` into it.
    fn load_chinook(
        url: &str,
        name: &str,
        dir: &Path,
    ) -> impl Future<Output = Result<sqlx::Pool<Self::Database>, Error>>;
}

/// SQLite files (no `Server`: the SQLite run copies files instead of creating databases on a
/// server).
pub(crate) struct SqliteFiles;

impl Chinook for SqliteFiles {
    type Database = sqlx::Sqlite;
    type Id = crate::chinook::Int;

    async fn invoice_ids(pool: &sqlx::SqlitePool) -> Result<Vec<Self::Id>, Error> {
        crate::chinook::invoice_ids(pool).await
    }
    async fn playlist_ids(pool: &sqlx::SqlitePool) -> Result<Vec<Self::Id>, Error> {
        crate::chinook::playlist_ids(pool).await
    }
    async fn invoice_naive(pool: &sqlx::SqlitePool, id: Self::Id) -> Result<String, Error> {
        crate::chinook::invoice_naive(pool, id).await
    }
    async fn invoice_batched(pool: &sqlx::SqlitePool, id: Self::Id) -> Result<String, Error> {
        crate::chinook::invoice_batched(pool, id).await
    }
    async fn playlist_naive(pool: &sqlx::SqlitePool, id: Self::Id) -> Result<String, Error> {
        crate::chinook::playlist_naive(pool, id).await
    }
    async fn playlist_batched(pool: &sqlx::SqlitePool, id: Self::Id) -> Result<String, Error> {
        crate::chinook::playlist_batched(pool, id).await
    }
}

/// Implements [`Synthetic`] by forwarding to a crate's `synthetic` module, imported as
/// `$module` (it re-exports the `logic` items it needs).
macro_rules! synthetic_backend {
    ($marker:ty, $module:ident, $database:ty) => {
        impl Synthetic for $marker {
            type Step = $module::Step;
            type Generated = $module::Generated;
            type Loaders = $module::Loaders;

            fn plan(seed: u64, messages: usize, chats: i64) -> Vec<Self::Step> {
                $module::plan(seed, messages, chats)
            }
            fn step(index: usize, rng: &mut fastrand::Rng, chats: i64) -> Self::Step {
                $module::Step { index, chat_id: rng.i64(1..=chats), pick: rng.u64(..) }
            }
            fn created_at_seconds(history: i64, step: &Self::Step) -> i64 {
                $module::created_at_seconds(history, step)
            }
            #[allow(
                clippy::needless_question_mark,
                reason = "`?` converts the server crates' errors; on SQLite it is the same type"
            )]
            async fn generate_naive(
                pool: &sqlx::Pool<$database>,
                writer: &sqlx::Pool<$database>,
                step: Self::Step,
                seconds: i64,
            ) -> Result<Self::Generated, Error> {
                Ok($module::generate_naive(pool, writer, step, seconds).await?)
            }
            fn loaders(pool: &sqlx::Pool<$database>) -> Self::Loaders {
                $module::Loaders::new(pool)
            }
            #[allow(
                clippy::needless_question_mark,
                reason = "`?` converts the server crates' errors; on SQLite it is the same type"
            )]
            async fn generate_batched(
                pool: &sqlx::Pool<$database>,
                writer: &sqlx::Pool<$database>,
                loaders: &Self::Loaders,
                step: Self::Step,
                seconds: i64,
            ) -> Result<Self::Generated, Error> {
                Ok($module::generate_batched(pool, writer, loaders, step, seconds).await?)
            }
            fn line(generated: &Self::Generated) -> String {
                generated.line()
            }
            type Tick = $module::Tick;
            fn tick_plan(seed: u64, ticks: usize, per_tick: usize, chats: i64, first_index: usize) -> Vec<Self::Tick> {
                $module::tick_plan(seed, ticks, per_tick, chats, first_index)
            }
            #[allow(
                clippy::needless_question_mark,
                reason = "`?` converts the server crates' errors; on SQLite it is the same type"
            )]
            async fn tick_naive(
                pool: &sqlx::Pool<$database>,
                tick: &Self::Tick,
                history: i64,
            ) -> Result<Vec<Self::Generated>, Error> {
                Ok($module::tick_naive(pool, tick, history).await?)
            }
            #[allow(
                clippy::needless_question_mark,
                reason = "`?` converts the server crates' errors; on SQLite it is the same type"
            )]
            async fn tick_batched(
                pool: &sqlx::Pool<$database>,
                tick: &Self::Tick,
                history: i64,
            ) -> Result<Vec<Self::Generated>, Error> {
                Ok($module::tick_batched(pool, tick, history).await?)
            }
            fn loader_counts(loaders: &Self::Loaders) -> (u64, u64, u64, u64) {
                let (stances, holdings) = (loaders.stances.stats(), loaders.holdings.stats());
                (
                    stances.statements + holdings.statements,
                    stances.keys + holdings.keys,
                    stances.cache_hits + holdings.cache_hits,
                    stances.cache_misses + holdings.cache_misses,
                )
            }
        }
    };
}

synthetic_backend!(SqliteFiles, sqlite_synthetic, sqlx::Sqlite);

/// Implements [`Chinook`], [`Synthetic`] and [`Server`] for a server backend by forwarding to its crate (the
/// crates have the same API, each compiled for its database).
macro_rules! server_backend {
    ($marker:ident, $krate:ident, $synthetic:ident, $database:ty, $backend:literal) => {
        #[doc = concat!("A ", $backend, " server (crate `", stringify!($krate), "`).")]
        pub(crate) struct $marker;

        impl Chinook for $marker {
            type Database = $database;
            type Id = $krate::chinook::Int;

            async fn invoice_ids(pool: &sqlx::Pool<$database>) -> Result<Vec<Self::Id>, Error> {
                Ok($krate::chinook::invoice_ids(pool).await?)
            }
            async fn playlist_ids(pool: &sqlx::Pool<$database>) -> Result<Vec<Self::Id>, Error> {
                Ok($krate::chinook::playlist_ids(pool).await?)
            }
            async fn invoice_naive(pool: &sqlx::Pool<$database>, id: Self::Id) -> Result<String, Error> {
                Ok($krate::chinook::invoice_naive(pool, id).await?)
            }
            async fn invoice_batched(pool: &sqlx::Pool<$database>, id: Self::Id) -> Result<String, Error> {
                Ok($krate::chinook::invoice_batched(pool, id).await?)
            }
            async fn playlist_naive(pool: &sqlx::Pool<$database>, id: Self::Id) -> Result<String, Error> {
                Ok($krate::chinook::playlist_naive(pool, id).await?)
            }
            async fn playlist_batched(pool: &sqlx::Pool<$database>, id: Self::Id) -> Result<String, Error> {
                Ok($krate::chinook::playlist_batched(pool, id).await?)
            }
        }

        synthetic_backend!($marker, $synthetic, $database);

        impl Server for $marker {
            const BACKEND: &'static str = $backend;

            async fn create_database(url: &str, name: &str) -> Result<sqlx::Pool<$database>, Error> {
                Ok($krate::create_database(url, name).await?)
            }
            async fn connect(url: &str, name: &str, max_connections: u32) -> Result<sqlx::Pool<$database>, Error> {
                Ok($krate::connect(url, name, max_connections).await?)
            }
            async fn migrate(pool: &sqlx::Pool<$database>, with_indexes: bool) -> Result<(), Error> {
                Ok($krate::migrate(pool, with_indexes).await?)
            }
            async fn prepare_advisor(pool: &sqlx::Pool<$database>) {
                $krate::prepare_advisor(pool).await;
            }
            async fn seed(pool: &sqlx::Pool<$database>, seed: u64, size: SeedSize) -> Result<(), Error> {
                let size = $krate::logic::SeedSize { bots: size.bots, chats: size.chats, messages: size.messages };
                Ok($krate::seed(pool, &$krate::logic::seed_rows(seed, size)).await?)
            }
            async fn drop_database(url: &str, name: &str) -> Result<(), Error> {
                Ok($krate::drop_database(url, name).await?)
            }
            async fn load_chinook(url: &str, name: &str, dir: &Path) -> Result<sqlx::Pool<$database>, Error> {
                Ok($krate::chinook::load(url, name, dir).await?)
            }
        }
    };
}

server_backend!(PostgresServer, botfeed_postgres, postgres_synthetic, sqlx::Postgres, "postgresql");
server_backend!(MySqlServer, botfeed_mysql, mysql_synthetic, sqlx::MySql, "mysql");
