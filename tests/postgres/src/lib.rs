//! The demo row types on PostgreSQL (`migrations/postgres`) with their batched loaders, the
//! key-type fixtures, and [`TestDb`]: a fresh, migrated database per test, dropped afterwards.

use std::sync::atomic::{AtomicU64, Ordering};

use batchload::Batched;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions as _, Connection as _, Executor as _, PgPool};

/// The Rust type of the `created_at` columns (`TIMESTAMPTZ`).
pub type Timestamp = chrono::DateTime<chrono::Utc>;

include!("../../shared/models.rs");

/// A PostgreSQL enum, used as a loader key (bound as `mood[]`, not as text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, sqlx::Type)]
#[sqlx(type_name = "mood", rename_all = "lowercase")]
pub enum Mood {
    /// `calm`
    Calm,
    /// `curious`
    Curious,
    /// `grumpy`
    Grumpy,
}

/// One row per key type (`key_samples` fixture): a group loader on every column.
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "key_samples")]
pub struct KeySample {
    /// Primary key (`BIGINT`).
    #[batched(key)]
    pub id: i64,
    /// `SMALLINT` key.
    #[batched(group)]
    pub small: i16,
    /// `INTEGER` key.
    #[batched(group)]
    pub medium: i32,
    /// `TEXT` key.
    #[batched(group)]
    pub label: String,
    /// `UUID` key.
    #[batched(group)]
    pub uid: uuid::Uuid,
    /// `DATE` key.
    #[batched(group)]
    pub day: chrono::NaiveDate,
    /// Enum key.
    #[batched(group)]
    pub mood: Mood,
}

/// The database type of this crate.
pub type Db = sqlx::Postgres;

/// The `created_at` of every seeded row: 2026-01-01T00:00:00Z.
pub fn seed_time() -> Timestamp {
    chrono::DateTime::from_timestamp(1_767_225_600, 0).unwrap_or_default()
}

include!("../../shared/seed.rs");

include!("../../shared/sql.rs");

/// Columns of `key_samples` beyond the common ones: the enum column.
fn extra_columns() -> &'static str {
    ", mood"
}

/// The `mood` of fixture row `id`: calm, curious, grumpy in turn.
pub fn sample_mood(id: i64) -> Mood {
    [Mood::Calm, Mood::Curious, Mood::Grumpy][(id % 3) as usize]
}

fn push_extra(row: &mut sqlx::query_builder::Separated<'_, Db, &'static str>, id: i64) {
    row.push_bind(sample_mood(id));
}

include!("../../shared/key_samples.rs");

/// The demo schema's migrations.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

/// Test-only fixture tables, applied after [`MIGRATOR`] (versions 9000 and up).
pub static FIXTURES: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Variable naming the server (any database on it); also the compile-time check database.
pub const URL_VAR: &str = "BATCHLOAD_POSTGRES_URL";

/// Used when [`URL_VAR`] is not set: the local server with trust authentication.
pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A fresh database with a unique name on the test server, migrated with [`MIGRATOR`] and
/// [`FIXTURES`], dropped (with its connections) when the value is dropped.
pub struct TestDb {
    /// Pool of up to `max_connections` connections to the database.
    pub pool: PgPool,
    name: String,
    admin: PgConnectOptions,
}

impl TestDb {
    /// Creates and migrates a fresh database; `None` when no server is reachable and `CI` is
    /// not `true` (the test then returns early; a line on stderr says it was skipped and why).
    ///
    /// # Panics
    /// When the server is unreachable under `CI=true`, or creating or migrating the database
    /// fails: the test cannot run.
    pub async fn connect(max_connections: u32) -> Option<Self> {
        Self::connect_migrated(max_connections, None).await
    }

    /// [`TestDb::connect`] with the demo migrations applied only up to version `version`
    /// (e.g. `INDEX_MIGRATION - 1`: the schema without the advisor's indexes), then the
    /// fixtures; [`TestDb::migrate_all`] applies the rest later.
    ///
    /// # Panics
    /// As [`TestDb::connect`].
    pub async fn connect_up_to(max_connections: u32, version: i64) -> Option<Self> {
        Self::connect_migrated(max_connections, Some(version)).await
    }

    async fn connect_migrated(max_connections: u32, up_to: Option<i64>) -> Option<Self> {
        let url = std::env::var(URL_VAR).unwrap_or_else(|_| DEFAULT_URL.to_owned());
        Self::connect_to_migrated(&url, max_connections, up_to).await
    }

    /// [`TestDb::connect`] on the server at `url` (any database on it) instead of
    /// [`URL_VAR`]'s.
    ///
    /// # Panics
    /// As [`TestDb::connect`], and when `url` is not a valid PostgreSQL URL.
    pub async fn connect_to(url: &str, max_connections: u32) -> Option<Self> {
        Self::connect_to_migrated(url, max_connections, None).await
    }

    async fn connect_to_migrated(url: &str, max_connections: u32, up_to: Option<i64>) -> Option<Self> {
        let admin: PgConnectOptions = url.parse().expect("a valid PostgreSQL URL");
        let mut connection = match admin.connect().await {
            Ok(connection) => connection,
            Err(error) => return skip(url, &error),
        };
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "batchload_test_{}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            chrono::Utc::now().timestamp_micros()
        );
        connection
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .expect("create the test database");
        connection.close().await.ok();
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .connect_with(admin.clone().database(&name))
            .await
            .expect("open the test database");
        apply_migrations(&pool, up_to).await;
        Some(Self { pool, name, admin })
    }
}

include!("../../shared/migrations.rs");

fn skip<T>(url: &str, error: &sqlx::Error) -> Option<T> {
    if std::env::var("CI").is_ok_and(|ci| ci == "true") {
        panic!("CI=true but the PostgreSQL server at {url} is unreachable: {error}");
    }
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        eprintln!(
            "SKIPPED: PostgreSQL tests: no server at {url} ({error}); start one or set {URL_VAR} (under CI=true this fails)"
        );
    });
    None
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = std::mem::take(&mut self.name);
        let admin = self.admin.clone();
        // Stop handing out connections; do not wait for checked-out ones (their tasks may need
        // the runtime this `drop` is blocking).
        drop(self.pool.close());
        let (done, finished) = std::sync::mpsc::channel();
        // Drop runs inside the test's runtime: drop the database from a thread of its own, and
        // never wait for it longer than 30 s.
        std::thread::spawn(move || {
            let result = tokio::runtime::Builder::new_current_thread().enable_all().build().and_then(|runtime| {
                runtime.block_on(async move {
                    let mut connection = admin.connect().await.map_err(std::io::Error::other)?;
                    // FORCE terminates the pool's connections, including ones still held by tasks
                    // of the test's runtime (which is blocked in this `drop`).
                    connection
                        .execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                        .await
                        .map_err(std::io::Error::other)?;
                    Ok::<_, std::io::Error>(())
                })
            });
            let _ = done.send(result);
        });
        match finished.recv_timeout(std::time::Duration::from_secs(30)) {
            Ok(Ok(())) => {}
            Ok(Err(error)) => eprintln!("warning: could not drop a test database: {error}"),
            Err(_) => eprintln!("warning: dropping a test database took over 30 s; left behind"),
        }
    }
}
