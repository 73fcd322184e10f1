//! The Chinook workloads on MySQL 8 / MariaDB: the shared workload
//! (`demo/botfeed/src/chinook_workload.rs`) over the MySQL script's schema (PascalCase, as the
//! SQLite script's, so the row structs are `demo/botfeed/src/chinook_models.rs` too), with the
//! per-item statements of the naive versions written for MySQL, and the loading of the script.

use std::path::Path;

use sqlx::MySqlPool;

use crate::Error;

/// The Rust type of Chinook's id columns on MySQL (`INT`).
pub type Int = i32;
/// The pool the Chinook workloads run on.
pub type Pool = MySqlPool;

#[path = "../../botfeed/src/chinook_models.rs"]
#[macro_use]
mod models_macro;
/// The Chinook row structs and their loaders (`i32` integer columns).
pub mod models {
    chinook_models!(i32);
}
#[path = "../../botfeed/src/chinook_queries.rs"]
mod queries;
#[path = "../../botfeed/src/chinook_workload.rs"]
mod workload;

use queries::{
    album_row, artist_row, customer_row, genre_row, invoice_lines, invoice_row, media_type_row, playlist_entries,
    playlist_row, track_row,
};
pub use queries::{invoice_ids, playlist_ids};
pub use workload::{invoice_batched, invoice_naive, playlist_batched, playlist_naive};

/// The script's file name in the Chinook folder.
pub const SCRIPT: &str = "Chinook_MySql.sql";

/// The lines of the Chinook MySQL script that create and select its own `Chinook` database:
/// left out, so that the script fills the database botfeed created.
const OWN_DATABASE_LINES: [&str; 3] =
    ["DROP DATABASE IF EXISTS `Chinook`;", "CREATE DATABASE `Chinook`;", "USE `Chinook`;"];

/// The Chinook MySQL script without the lines that create and select its own database.
///
/// # Errors
/// [`Error::Setup`] when one of those lines is missing (not the expected script).
pub fn adapt_script(script: &str) -> Result<String, Error> {
    for line in OWN_DATABASE_LINES {
        if !script.lines().any(|candidate| candidate.trim_end() == line) {
            return Err(Error::Setup(format!("{SCRIPT}: no `{line}` line: not the expected script")));
        }
    }
    Ok(script.lines().filter(|line| !OWN_DATABASE_LINES.contains(&line.trim_end())).collect::<Vec<_>>().join("\n"))
}

/// Creates (dropping any previous one) database `name` on the server of `url` and loads the
/// Chinook MySQL script from `script_dir` into it, in one transaction.
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
    // MySQL commits DDL implicitly: no transaction; a failure leaves a database that the
    // caller drops.
    sqlx::raw_sql(sqlx::AssertSqlSafe(body)).execute(&pool).await?;
    Ok(pool)
}

#[cfg(test)]
mod tests {
    use super::adapt_script;

    #[test]
    fn the_script_fills_the_given_database() {
        let script =
            "DROP DATABASE IF EXISTS `Chinook`;\nCREATE DATABASE `Chinook`;\nUSE `Chinook`;\nCREATE TABLE `A` (x INT);";
        assert_eq!(adapt_script(script).expect("adapted"), "CREATE TABLE `A` (x INT);");
        let error = adapt_script("CREATE TABLE `A` (x INT);").expect_err("not the script");
        assert_eq!(
            error.to_string(),
            "Chinook_MySql.sql: no `DROP DATABASE IF EXISTS `Chinook`;` line: not the expected script"
        );
    }
}
