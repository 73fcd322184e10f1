//! Failed operations of a load test, by kind: what decides a backend's tail under concurrency.

use serde::Serialize;

use crate::Error;

/// Why an operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// No pool connection within the pool's acquire timeout (`sqlx::Error::PoolTimedOut`).
    PoolTimeout,
    /// The database was busy or a lock could not be had in time: SQLite `SQLITE_BUSY` /
    /// `SQLITE_LOCKED` (after the busy timeout), PostgreSQL `55P03`, MySQL 1205 (lock wait
    /// timeout).
    BusyLocked,
    /// A deadlock or serialization failure the database broke: PostgreSQL `40P01` / `40001`,
    /// MySQL 1213.
    Deadlock,
    /// Anything else (the message of the first one is kept in the report).
    Other,
}

impl ErrorKind {
    /// Every kind, in report order.
    pub const ALL: [Self; 4] = [Self::PoolTimeout, Self::BusyLocked, Self::Deadlock, Self::Other];

    /// The name in the reports (`pool_timeout`, `busy_locked`, `deadlock`, `other`).
    pub fn name(self) -> &'static str {
        match self {
            Self::PoolTimeout => "pool_timeout",
            Self::BusyLocked => "busy_locked",
            Self::Deadlock => "deadlock",
            Self::Other => "other",
        }
    }
}

/// The `sqlx::Error` behind `error`, when a statement (or a loader's batch) failed.
fn sqlx_error(error: &Error) -> Option<&sqlx::Error> {
    match error {
        Error::Database(error)
        | Error::Postgres(botfeed_postgres::Error::Database(error))
        | Error::MySql(botfeed_mysql::Error::Database(error)) => Some(error),
        Error::Loader(error)
        | Error::Postgres(botfeed_postgres::Error::Loader(error))
        | Error::MySql(botfeed_mysql::Error::Loader(error)) => error.database_error(),
        _ => None,
    }
}

/// The kind of a failed operation's error.
pub fn classify(error: &Error) -> ErrorKind {
    match sqlx_error(error) {
        Some(sqlx::Error::PoolTimedOut) => ErrorKind::PoolTimeout,
        Some(sqlx::Error::Database(database)) => {
            if let Some(mysql) = database.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
                return match mysql.number() {
                    1205 => ErrorKind::BusyLocked,
                    1213 => ErrorKind::Deadlock,
                    _ => ErrorKind::Other,
                };
            }
            let code = database.code().unwrap_or_default();
            if database.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                // The extended result code; its low byte is the primary code.
                return match code.parse::<i32>().map(|code| code & 0xff) {
                    Ok(5 | 6) => ErrorKind::BusyLocked,
                    _ => ErrorKind::Other,
                };
            }
            match &*code {
                "55P03" => ErrorKind::BusyLocked,
                "40P01" | "40001" => ErrorKind::Deadlock,
                _ => ErrorKind::Other,
            }
        }
        _ => ErrorKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_timeouts_are_told_apart_from_other_errors() {
        assert_eq!(classify(&Error::Database(sqlx::Error::PoolTimedOut)), ErrorKind::PoolTimeout);
        assert_eq!(classify(&Error::Database(sqlx::Error::RowNotFound)), ErrorKind::Other);
        assert_eq!(classify(&Error::Setup("chat 3 not found".into())), ErrorKind::Other);
        let loader = batchload::Error::Abandoned { loader: "BotStanceByBotId", keys: 3 };
        assert_eq!(classify(&Error::Loader(loader)), ErrorKind::Other);
    }

    #[tokio::test]
    async fn a_locked_sqlite_database_is_busy_locked() {
        use sqlx::Connection as _;
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("busy.db").display());
        let mut holder = sqlx::SqliteConnection::connect(&url).await.expect("connect");
        sqlx::raw_sql("CREATE TABLE t (x INTEGER); BEGIN IMMEDIATE; INSERT INTO t VALUES (1)")
            .execute(&mut holder)
            .await
            .expect("holds the write lock");
        let options: sqlx::sqlite::SqliteConnectOptions = url.parse().expect("options");
        let mut writer = sqlx::SqliteConnection::connect_with(&options.busy_timeout(std::time::Duration::ZERO))
            .await
            .expect("connect");
        let error = sqlx::query("INSERT INTO t VALUES (2)").execute(&mut writer).await.expect_err("busy");
        assert_eq!(classify(&Error::Database(error)), ErrorKind::BusyLocked);
    }
}
