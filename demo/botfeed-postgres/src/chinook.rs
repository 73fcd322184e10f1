//! The Chinook workloads on PostgreSQL: the shared workload (`demo/botfeed/src/chinook_workload.rs`)
//! over the PostgreSQL script's schema, with the per-item statements of the naive versions
//! written for PostgreSQL, and the loading of the script.

use std::path::Path;

use sqlx::PgPool;

use crate::Error;

/// The Rust type of Chinook's id columns on PostgreSQL (`INT`).
pub type Int = i32;
/// The pool the Chinook workloads run on.
pub type Pool = PgPool;

pub mod models;
#[path = "../../botfeed/src/chinook_workload.rs"]
mod workload;

use models::{Album, Artist, Customer, Genre, Invoice, InvoiceLine, MediaType, Playlist, PlaylistTrack, Track};
pub use workload::{invoice_batched, invoice_naive, playlist_batched, playlist_naive};

/// The script's file name in the Chinook folder.
pub const SCRIPT: &str = "Chinook_PostgreSql.sql";

/// The part of the Chinook PostgreSQL script to run in a database botfeed created: the script
/// is written for `psql` and starts by dropping, creating and connecting to its own `chinook`
/// database (`\c chinook;`); everything after that line is plain SQL.
///
/// # Errors
/// [`Error::Setup`] when the script has no `\c chinook;` line or another psql meta-command.
pub fn adapt_script(script: &str) -> Result<&str, Error> {
    let marker = "\\c chinook;\n";
    let start = script
        .find(marker)
        .map(|at| at + marker.len())
        .ok_or_else(|| Error::Setup(format!("{SCRIPT}: no `\\c chinook;` line: not the expected psql script")))?;
    let body = &script[start..];
    if let Some(line) = body.lines().find(|line| line.starts_with('\\')) {
        return Err(Error::Setup(format!("{SCRIPT}: unexpected psql meta-command `{line}`")));
    }
    Ok(body)
}

/// Creates (dropping any previous one) database `name` on the server of `url` and loads the
/// Chinook PostgreSQL script from `script_dir` into it, in one transaction.
///
/// # Errors
/// The script cannot be read or is not the expected one ([`Error::Setup`]); connection,
/// creation or statement failures.
pub async fn load(url: &str, name: &str, script_dir: &Path) -> Result<Pool, Error> {
    let path = script_dir.join(SCRIPT);
    let script = std::fs::read_to_string(&path)
        .map_err(|error| Error::Setup(format!("cannot read the Chinook script {}: {error}", path.display())))?;
    let body = adapt_script(&script)?;
    let pool = crate::create_database(url, name).await?;
    let mut tx = pool.begin().await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(body.to_owned())).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(pool)
}

/// Every invoice id, in order (`SELECT invoice_id FROM invoice ORDER BY invoice_id`).
///
/// # Errors
/// A database error.
pub async fn invoice_ids(pool: &Pool) -> Result<Vec<Int>, Error> {
    Ok(sqlx::query_scalar!("SELECT invoice_id FROM invoice ORDER BY invoice_id").fetch_all(pool).await?)
}

/// Every playlist id, in order (`SELECT playlist_id FROM playlist ORDER BY playlist_id`).
///
/// # Errors
/// A database error.
pub async fn playlist_ids(pool: &Pool) -> Result<Vec<Int>, Error> {
    Ok(sqlx::query_scalar!("SELECT playlist_id FROM playlist ORDER BY playlist_id").fetch_all(pool).await?)
}

async fn invoice_row(pool: &Pool, id: Int) -> Result<Option<Invoice>, Error> {
    Ok(sqlx::query_as!(
        Invoice,
        r#"SELECT invoice_id AS id, customer_id, billing_city, billing_country FROM invoice WHERE invoice_id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await?)
}

async fn customer_row(pool: &Pool, id: Int) -> Result<Option<Customer>, Error> {
    Ok(sqlx::query_as!(
        Customer,
        "SELECT customer_id AS id, first_name, last_name, email FROM customer WHERE customer_id = $1",
        id
    )
    .fetch_optional(pool)
    .await?)
}

async fn invoice_lines(pool: &Pool, invoice: Int) -> Result<Vec<InvoiceLine>, Error> {
    Ok(sqlx::query_as!(
        InvoiceLine,
        r#"SELECT invoice_line_id AS id, invoice_id, track_id, quantity
           FROM invoice_line WHERE invoice_id = $1 ORDER BY invoice_line_id"#,
        invoice
    )
    .fetch_all(pool)
    .await?)
}

async fn track_row(pool: &Pool, id: Int) -> Result<Option<Track>, Error> {
    Ok(sqlx::query_as!(
        Track,
        r#"SELECT track_id AS id, name, album_id, media_type_id, genre_id, composer, milliseconds
           FROM track WHERE track_id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await?)
}

async fn album_row(pool: &Pool, id: Int) -> Result<Option<Album>, Error> {
    Ok(sqlx::query_as!(Album, "SELECT album_id AS id, title, artist_id FROM album WHERE album_id = $1", id)
        .fetch_optional(pool)
        .await?)
}

async fn artist_row(pool: &Pool, id: Int) -> Result<Option<Artist>, Error> {
    Ok(sqlx::query_as!(Artist, "SELECT artist_id AS id, name FROM artist WHERE artist_id = $1", id)
        .fetch_optional(pool)
        .await?)
}

async fn genre_row(pool: &Pool, id: Int) -> Result<Option<Genre>, Error> {
    Ok(sqlx::query_as!(Genre, "SELECT genre_id AS id, name FROM genre WHERE genre_id = $1", id)
        .fetch_optional(pool)
        .await?)
}

async fn media_type_row(pool: &Pool, id: Int) -> Result<Option<MediaType>, Error> {
    Ok(sqlx::query_as!(MediaType, "SELECT media_type_id AS id, name FROM media_type WHERE media_type_id = $1", id)
        .fetch_optional(pool)
        .await?)
}

async fn playlist_row(pool: &Pool, id: Int) -> Result<Option<Playlist>, Error> {
    Ok(sqlx::query_as!(Playlist, "SELECT playlist_id AS id, name FROM playlist WHERE playlist_id = $1", id)
        .fetch_optional(pool)
        .await?)
}

async fn playlist_entries(pool: &Pool, playlist: Int) -> Result<Vec<PlaylistTrack>, Error> {
    Ok(sqlx::query_as!(
        PlaylistTrack,
        "SELECT playlist_id, track_id FROM playlist_track WHERE playlist_id = $1 ORDER BY track_id",
        playlist
    )
    .fetch_all(pool)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::adapt_script;

    #[test]
    fn the_script_runs_from_after_its_connect_line() {
        let script =
            "DROP DATABASE IF EXISTS chinook;\nCREATE DATABASE chinook;\n\n\\c chinook;\n\nCREATE TABLE a (x INT);\n";
        assert_eq!(adapt_script(script).expect("adapted"), "\nCREATE TABLE a (x INT);\n");
        let error = adapt_script("CREATE TABLE a (x INT);\n").expect_err("no connect line");
        assert_eq!(error.to_string(), "Chinook_PostgreSql.sql: no `\\c chinook;` line: not the expected psql script");
        let error = adapt_script("\\c chinook;\n\\set x 1\n").expect_err("meta-command");
        assert_eq!(error.to_string(), "Chinook_PostgreSql.sql: unexpected psql meta-command `\\set x 1`");
    }
}
