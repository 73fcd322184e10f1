// The test database of the server backends (PostgreSQL, MySQL/MariaDB): a fresh database with
// a unique name per test, migrated, dropped with its sessions afterwards; skipped without a
// server unless `CI=true`. Included by tests/{postgres,mysql}/src/lib.rs after they define
// `Db`, `Admin` (the backend's connect options), `SERVER` (its name in messages),
// `create_database_sql(name)`, `drop_database(connection, name)`, `URL_VAR`, `DEFAULT_URL`,
// and include `migrations.rs` (`apply_migrations`; an `include!` here would resolve its path
// from this file).

use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::{ConnectOptions as _, Connection as _, Executor as _};

/// A fresh database with a unique name on the test server, migrated with [`MIGRATOR`] and
/// [`FIXTURES`], dropped (with its connections) when the value is dropped.
pub struct TestDb {
    /// Pool of up to `max_connections` connections to the database.
    pub pool: sqlx::Pool<Db>,
    name: String,
    admin: Admin,
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
    /// As [`TestDb::connect`], and when `url` is not a valid URL of this backend.
    pub async fn connect_to(url: &str, max_connections: u32) -> Option<Self> {
        Self::connect_to_migrated(url, max_connections, None).await
    }

    async fn connect_to_migrated(url: &str, max_connections: u32, up_to: Option<i64>) -> Option<Self> {
        let admin: Admin = url.parse().unwrap_or_else(|error| panic!("`{url}` is not a valid {SERVER} URL: {error}"));
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
            .execute(sqlx::AssertSqlSafe(create_database_sql(&name)))
            .await
            .expect("create the test database");
        connection.close().await.ok();
        let pool = sqlx::pool::PoolOptions::<Db>::new()
            .max_connections(max_connections)
            .connect_with(admin.clone().database(&name))
            .await
            .expect("open the test database");
        apply_migrations(&pool, up_to).await;
        Some(Self { pool, name, admin })
    }
}

fn skip<T>(url: &str, error: &sqlx::Error) -> Option<T> {
    if std::env::var("CI").is_ok_and(|ci| ci == "true") {
        panic!("CI=true but the {SERVER} server at {url} is unreachable: {error}");
    }
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Written to the process's stderr itself, not through `eprintln!`, which the test
        // harness captures and shows only for failing tests: a plain `cargo test` must say
        // which suites did not run.
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: {SERVER} tests: no server at {url} ({error}); start one or set {URL_VAR} (under CI=true this fails)"
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
                    drop_database(&mut connection, &name).await.map_err(std::io::Error::other)
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
