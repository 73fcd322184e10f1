//! Databases: a fresh, migrated SQLite file per run, the deterministic synthetic seed, and the
//! Chinook SQLite script loaded into its own file.

use std::path::{Path, PathBuf};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use crate::Error;

/// The demo schema's migrations (`migrations/sqlite`).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");

/// Size of the synthetic data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedSize {
    /// Bots (each with 3-8 stances and 2-6 holdings).
    pub bots: i64,
    /// Chats.
    pub chats: i64,
    /// History messages.
    pub messages: i64,
}

impl Default for SeedSize {
    /// 200 bots, 50 chats, 20,000 history messages.
    fn default() -> Self {
        Self { bots: 200, chats: 50, messages: 20_000 }
    }
}

/// Topics bots hold stances on.
pub const TOPICS: [&str; 12] =
    ["rates", "inflation", "chips", "energy", "housing", "crypto", "jobs", "trade", "gold", "bonds", "ai", "climate"];
const STANCES: [&str; 7] = ["bullish", "bearish", "cautious", "neutral", "contrarian", "optimistic", "skeptical"];
const SYMBOLS: [&str; 16] = [
    "AAPL", "MSFT", "NVDA", "TSLA", "AMZN", "GOOG", "META", "BRK", "XOM", "JPM", "GLD", "TLT", "BTC", "ETH", "SPY",
    "QQQ",
];
const ADJECTIVES: [&str; 10] = ["Calm", "Witty", "Grumpy", "Eager", "Sly", "Bold", "Shy", "Loud", "Wise", "Odd"];
const ANIMALS: [&str; 10] = ["Otter", "Heron", "Badger", "Lynx", "Mole", "Crow", "Yak", "Newt", "Ibis", "Wolf"];
const PERSONAS: [&str; 6] = [
    "value investor who distrusts hype",
    "momentum trader chasing headlines",
    "macro economist with strong opinions",
    "retired banker telling old stories",
    "startup founder pitching everything",
    "quiet analyst quoting numbers",
];

/// ISO 8601 text of `seconds` after 2026-01-01T00:00:00Z: the `created_at` of seeded and
/// generated messages (deterministic, sortable as text).
pub fn timestamp(seconds: i64) -> String {
    let base = chrono::DateTime::from_timestamp(1_767_225_600, 0).unwrap_or_default();
    (base + chrono::Duration::seconds(seconds)).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Seconds between two messages' `created_at`.
pub const MESSAGE_SPACING_S: i64 = 37;

/// Opens (creating if missing) a SQLite database file with a pool of `max_connections`.
pub async fn open_sqlite(path: &Path, max_connections: u32) -> Result<SqlitePool, Error> {
    open_sqlite_with(path, max_connections, true).await
}

async fn open_sqlite_with(path: &Path, max_connections: u32, foreign_keys: bool) -> Result<SqlitePool, Error> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(foreign_keys);
    Ok(SqlitePoolOptions::new().max_connections(max_connections).connect_with(options).await?)
}

/// Deletes a SQLite database file and its WAL/SHM companions, if present.
pub fn remove_sqlite(path: &Path) -> Result<(), Error> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        match std::fs::remove_file(PathBuf::from(name)) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(Error::Io(error)),
        }
    }
    Ok(())
}

/// A fresh database at `path` (any previous file removed), migrated with [`MIGRATOR`].
pub async fn fresh_sqlite(path: &Path) -> Result<SqlitePool, Error> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    remove_sqlite(path)?;
    let pool = open_sqlite(path, 4).await?;
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}

/// Writes the synthetic data set for `seed` (same seed, same rows, same ids).
pub async fn seed_synthetic(pool: &SqlitePool, seed: u64, size: SeedSize) -> Result<(), Error> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut tx = pool.begin().await?;
    let created = timestamp(0);

    let mut bots = Vec::new();
    let mut stances = Vec::new();
    let mut holdings = Vec::new();
    for id in 1..=size.bots {
        let name = format!("{}{}{id}", ADJECTIVES[rng.usize(..ADJECTIVES.len())], ANIMALS[rng.usize(..ANIMALS.len())]);
        bots.push((id, name, PERSONAS[rng.usize(..PERSONAS.len())].to_owned()));
        let mut topics: Vec<&str> = TOPICS.to_vec();
        rng.shuffle(&mut topics);
        for topic in topics.iter().take(rng.usize(3..=8)) {
            let strength = f64::from(rng.u32(1..=100)) / 100.0;
            let note = rng.bool().then(|| format!("since {}", 2015 + rng.u32(0..11)));
            stances.push((id, (*topic).to_owned(), STANCES[rng.usize(..STANCES.len())].to_owned(), strength, note));
        }
        let mut symbols: Vec<&str> = SYMBOLS.to_vec();
        rng.shuffle(&mut symbols);
        for symbol in symbols.iter().take(rng.usize(2..=6)) {
            let cost = rng.bool().then(|| f64::from(rng.u32(100..=90_000)) / 100.0);
            holdings.push((id, (*symbol).to_owned(), i64::from(rng.u32(1..=500)), cost));
        }
    }
    for chunk in bots.chunks(1_000) {
        let mut insert = QueryBuilder::<Sqlite>::new("INSERT INTO bots (id, name, persona, created_at) ");
        insert.push_values(chunk, |mut row, (id, name, persona)| {
            row.push_bind(*id).push_bind(name).push_bind(persona).push_bind(&created);
        });
        insert.build().execute(&mut *tx).await?;
    }
    for chunk in stances.chunks(1_000) {
        let mut insert =
            QueryBuilder::<Sqlite>::new("INSERT INTO bot_stances (bot_id, topic, stance, strength, note) ");
        insert.push_values(chunk, |mut row, (bot, topic, stance, strength, note)| {
            row.push_bind(*bot).push_bind(topic).push_bind(stance).push_bind(*strength).push_bind(note);
        });
        insert.build().execute(&mut *tx).await?;
    }
    for chunk in holdings.chunks(1_000) {
        let mut insert =
            QueryBuilder::<Sqlite>::new("INSERT INTO bot_holdings (bot_id, symbol, quantity, cost_basis) ");
        insert.push_values(chunk, |mut row, (bot, symbol, quantity, cost)| {
            row.push_bind(*bot).push_bind(symbol).push_bind(*quantity).push_bind(*cost);
        });
        insert.build().execute(&mut *tx).await?;
    }

    // Chats, each with a fixed cast of 6-14 members who do the talking.
    let mut members: Vec<Vec<i64>> = Vec::new();
    let mut chats = Vec::new();
    for id in 1..=size.chats {
        chats.push((id, format!("{} desk #{id}", TOPICS[rng.usize(..TOPICS.len())])));
        let cast = rng.usize(6..=14).min(size.bots as usize);
        let mut ids: Vec<i64> = (1..=size.bots).collect();
        rng.shuffle(&mut ids);
        members.push(ids.into_iter().take(cast).collect());
    }
    for chunk in chats.chunks(1_000) {
        let mut insert = QueryBuilder::<Sqlite>::new("INSERT INTO chats (id, title, created_at) ");
        insert.push_values(chunk, |mut row, (id, title)| {
            row.push_bind(*id).push_bind(title).push_bind(&created);
        });
        insert.build().execute(&mut *tx).await?;
    }

    // History: the first rounds visit every chat in turn (so each has at least 30 messages
    // when the history is large enough), then chats are picked at random.
    let mut messages = Vec::with_capacity(size.messages as usize);
    for index in 0..size.messages {
        let chat = if index < size.chats * 30 { index % size.chats + 1 } else { rng.i64(1..=size.chats) };
        let cast = &members[(chat - 1) as usize];
        let bot = cast[rng.usize(..cast.len())];
        let topic = TOPICS[rng.usize(..TOPICS.len())];
        let body = format!("{topic} check-in {index}: {} as usual", STANCES[rng.usize(..STANCES.len())]);
        messages.push((chat, bot, body, timestamp(index * MESSAGE_SPACING_S)));
    }
    for chunk in messages.chunks(1_000) {
        let mut insert = QueryBuilder::<Sqlite>::new("INSERT INTO messages (chat_id, bot_id, body, created_at) ");
        insert.push_values(chunk, |mut row, (chat, bot, body, at)| {
            row.push_bind(*chat).push_bind(*bot).push_bind(body).push_bind(at);
        });
        insert.build().execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Copies the database behind `pool` into a new file at `target` (`VACUUM INTO`): the second
/// run starts from a byte-for-byte identical data set.
pub async fn copy_sqlite(pool: &SqlitePool, target: &Path) -> Result<SqlitePool, Error> {
    remove_sqlite(target)?;
    let target_text =
        target.to_str().ok_or_else(|| Error::Setup(format!("path is not UTF-8: {}", target.display())))?;
    sqlx::query("VACUUM INTO ?1").bind(target_text).execute(pool).await?;
    open_sqlite(target, 4).await
}

/// Where the Chinook scripts live: `$BOTFEED_CHINOOK_DIR`, else `shared/data/chinook` beside the
/// repository (`../shared` from the workspace root).
pub fn chinook_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("BOTFEED_CHINOOK_DIR") {
        return PathBuf::from(dir);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/chinook")
}

/// Loads the Chinook SQLite script into a fresh database at `path` (in one transaction).
pub async fn load_chinook_sqlite(path: &Path, script_dir: &Path) -> Result<SqlitePool, Error> {
    let script_path = script_dir.join("Chinook_Sqlite.sql");
    let script = std::fs::read_to_string(&script_path)
        .map_err(|error| Error::Setup(format!("cannot read the Chinook script {}: {error}", script_path.display())))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    remove_sqlite(path)?;
    // The script inserts parents after children: no foreign key enforcement while loading.
    let pool = open_sqlite_with(path, 4, false).await?;
    let mut tx = pool.begin().await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(script)).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(pool)
}
