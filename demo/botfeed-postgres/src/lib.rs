//! botfeed's synthetic chat-bot workload on PostgreSQL: the same pure logic as the SQLite
//! version (`demo/botfeed/src/logic.rs`, shared by `#[path]`), with row structs, loaders and
//! hand-written queries compiled and checked for PostgreSQL. A separate crate because sqlx
//! checks a crate's `query!` macros against one database.

use std::collections::HashMap;

use futures_util::future::try_join;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions as _, Connection as _, Executor as _, PgPool, Postgres};

pub mod chinook;
#[path = "../../botfeed/src/logic.rs"]
/// The backend-independent part of the synthetic workload, shared with `botfeed`.
pub mod logic;
#[path = "../../botfeed/src/server_models.rs"]
pub mod models;

use logic::{Generated, Person, SeedRows, Step, choose_cast, compose, missing};
use models::{Bot, BotHolding, BotStance, BotStanceByBotId, HoldingByBotId};

/// Everything that can fail here.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A statement failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A loader's batch failed.
    #[error("loader error: {0}")]
    Loader(#[from] batchload::Error),
    /// The migration failed.
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The data is not as expected.
    #[error("{0}")]
    Setup(String),
}

/// The demo schema's migrations (`migrations/postgres`).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

/// The Rust type of the `created_at` columns (`TIMESTAMPTZ`).
pub type Timestamp = chrono::DateTime<chrono::Utc>;

/// `created_at` of a message `seconds` after 2026-01-01T00:00:00Z.
pub fn timestamp(seconds: i64) -> Timestamp {
    chrono::DateTime::from_timestamp(1_767_225_600 + seconds, 0).unwrap_or_default()
}

fn valid_name(name: &str) -> Result<&str, Error> {
    if !name.is_empty()
        && name.len() <= 63
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        Ok(name)
    } else {
        Err(Error::Setup(format!("invalid database name `{name}`")))
    }
}

/// Creates (dropping any previous one) the empty database `name` on the server of `url` and
/// returns a pool on it.
///
/// # Errors
/// An invalid name ([`Error::Setup`]); connection or creation failures.
pub async fn create_database(url: &str, name: &str) -> Result<PgPool, Error> {
    let name = valid_name(name)?;
    let admin: PgConnectOptions = url.parse()?;
    let mut connection = admin.connect().await?;
    connection.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).await?;
    connection.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).await?;
    connection.close().await?;
    let pool = PgPoolOptions::new().max_connections(4).connect_with(admin.database(name)).await?;
    Ok(pool)
}

/// Migrates a database made by [`create_database`] with [`MIGRATOR`]: all of it, or (when
/// `with_indexes` is false) up to the index migration, as the original engine's schema was.
///
/// # Errors
/// A failed migration.
pub async fn migrate(pool: &PgPool, with_indexes: bool) -> Result<(), Error> {
    if with_indexes {
        MIGRATOR.run(pool).await?;
    } else {
        logic::migrations_before_indexes(&MIGRATOR).run(pool).await?;
    }
    Ok(())
}

/// Applies the index migration (`0002_indexes`) to a database migrated without it.
///
/// # Errors
/// A failed migration.
pub async fn add_indexes(pool: &PgPool) -> Result<(), Error> {
    logic::migrations_with_indexes(&MIGRATOR).run(pool).await?;
    Ok(())
}

/// Drops database `name` on the server of `url`.
///
/// # Errors
/// Connection failures or a failed `DROP DATABASE`.
pub async fn drop_database(url: &str, name: &str) -> Result<(), Error> {
    let name = valid_name(name)?;
    let admin: PgConnectOptions = url.parse()?;
    let mut connection = admin.connect().await?;
    connection.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).await?;
    connection.close().await?;
    Ok(())
}

/// Writes the synthetic data set (explicit ids, then the sequences moved past them).
///
/// # Errors
/// A failed statement.
pub async fn seed(pool: &PgPool, rows: &SeedRows) -> Result<(), Error> {
    let mut tx = pool.begin().await?;
    logic::insert_seed_rows::<Postgres, _>(&mut tx, rows, timestamp).await?;
    for table in ["bots", "bot_stances", "bot_holdings", "chats", "messages"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        )))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn bot_by_id(pool: &PgPool, id: i64) -> Result<Bot, Error> {
    Ok(sqlx::query_as!(Bot, "SELECT id, name, persona FROM bots WHERE id = $1", id).fetch_one(pool).await?)
}

async fn stances_of(pool: &PgPool, bot_id: i64) -> Result<Vec<BotStance>, Error> {
    Ok(sqlx::query_as!(
        BotStance,
        "SELECT id, bot_id, topic, stance, strength, note FROM bot_stances WHERE bot_id = $1 ORDER BY id",
        bot_id
    )
    .fetch_all(pool)
    .await?)
}

async fn holdings_of(pool: &PgPool, bot_id: i64) -> Result<Vec<BotHolding>, Error> {
    Ok(sqlx::query_as!(
        BotHolding,
        "SELECT id, bot_id, symbol, quantity, cost_basis FROM bot_holdings WHERE bot_id = $1 ORDER BY id",
        bot_id
    )
    .fetch_all(pool)
    .await?)
}

async fn insert_message(pool: &PgPool, chat_id: i64, bot_id: i64, body: &str, seconds: i64) -> Result<i64, Error> {
    Ok(sqlx::query_scalar!(
        "INSERT INTO messages (chat_id, bot_id, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        chat_id,
        bot_id,
        body,
        timestamp(seconds)
    )
    .fetch_one(pool)
    .await?)
}

/// Generates one message the per-item way (15-19 statements), as the SQLite version.
///
/// # Errors
/// A database error, or a chat without history.
#[batchload::timed(name = "botfeed::naive", threshold = 3)]
pub async fn generate_naive(pool: &PgPool, step: Step, seconds: i64) -> Result<Generated, Error> {
    let history = sqlx::query!(
        "SELECT bot_id, body FROM messages WHERE chat_id = $1 ORDER BY created_at DESC, id DESC LIMIT 30",
        step.chat_id
    )
    .fetch_all(pool)
    .await?;
    let authors: Vec<i64> = history.iter().map(|row| row.bot_id).collect();
    let cast = choose_cast(&authors, step.pick).ok_or_else(|| missing("history of chat", step.chat_id))?;
    let mut profiles: HashMap<i64, Bot> = HashMap::new();
    for author in &cast.context_authors {
        let bot = bot_by_id(pool, *author).await?;
        profiles.insert(bot.id, bot);
    }
    let mut details = Vec::new();
    for speaker in &cast.speakers {
        let stances = stances_of(pool, *speaker).await?;
        let holdings = holdings_of(pool, *speaker).await?;
        details.push((*speaker, stances, holdings));
    }
    let next = bot_by_id(pool, cast.next).await?;
    let next_stances = stances_of(pool, cast.next).await?;
    let next_holdings = holdings_of(pool, cast.next).await?;
    let mut speakers = Vec::new();
    for (id, stances, holdings) in &details {
        let bot = profiles.get(id).ok_or_else(|| missing("bot", *id))?;
        speakers.push(Person { bot, stances, holdings });
    }
    let last_body = history.first().map(|row| row.body.as_str()).unwrap_or_default();
    let body = compose(Person { bot: &next, stances: &next_stances, holdings: &next_holdings }, &speakers, last_body);
    let id = insert_message(pool, step.chat_id, cast.next, &body, seconds).await?;
    Ok(Generated { id, chat_id: step.chat_id, bot_id: cast.next, body })
}

/// The batched engine's loaders (for the whole run, as the SQLite version).
#[derive(Debug, Clone)]
pub struct Loaders {
    /// Stances by bot.
    pub stances: BotStanceByBotId,
    /// Holdings by bot.
    pub holdings: HoldingByBotId,
}

impl Loaders {
    /// Loaders over `pool`.
    pub fn new(pool: &PgPool) -> Self {
        Self { stances: BotStanceByBotId::new(pool.clone()), holdings: HoldingByBotId::new(pool.clone()) }
    }
}

/// Generates one message with loaders (at most 4 statements), as the SQLite version.
///
/// # Errors
/// A database error, or a chat without history.
#[batchload::timed(name = "botfeed::batched", max_queries = 4)]
pub async fn generate_batched(pool: &PgPool, loaders: &Loaders, step: Step, seconds: i64) -> Result<Generated, Error> {
    let history = sqlx::query!(
        r#"SELECT m.bot_id, m.body, b.name, b.persona
           FROM messages AS m JOIN bots AS b ON b.id = m.bot_id
           WHERE m.chat_id = $1 ORDER BY m.created_at DESC, m.id DESC LIMIT 30"#,
        step.chat_id
    )
    .fetch_all(pool)
    .await?;
    let authors: Vec<i64> = history.iter().map(|row| row.bot_id).collect();
    let cast = choose_cast(&authors, step.pick).ok_or_else(|| missing("history of chat", step.chat_id))?;
    let mut profiles: HashMap<i64, Bot> = HashMap::new();
    for row in &history {
        profiles.entry(row.bot_id).or_insert_with(|| Bot {
            id: row.bot_id,
            name: row.name.clone(),
            persona: row.persona.clone(),
        });
    }
    let mut ids = cast.speakers.clone();
    if !ids.contains(&cast.next) {
        ids.push(cast.next);
    }
    let (stances, holdings) =
        try_join(loaders.stances.load_many(ids.iter().copied()), loaders.holdings.load_many(ids.iter().copied()))
            .await?;
    let person = |id: i64| -> Result<Person<'_>, Error> {
        Ok(Person {
            bot: profiles.get(&id).ok_or_else(|| missing("bot", id))?,
            stances: stances.get(&id).map(Vec::as_slice).unwrap_or_default(),
            holdings: holdings.get(&id).map(Vec::as_slice).unwrap_or_default(),
        })
    };
    let speakers = cast.speakers.iter().map(|id| person(*id)).collect::<Result<Vec<_>, _>>()?;
    let last_body = history.first().map(|row| row.body.as_str()).unwrap_or_default();
    let body = compose(person(cast.next)?, &speakers, last_body);
    let id = insert_message(pool, step.chat_id, cast.next, &body, seconds).await?;
    Ok(Generated { id, chat_id: step.chat_id, bot_id: cast.next, body })
}
