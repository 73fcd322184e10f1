//! The Chinook workloads on SQLite: the shared workload (`chinook_workload.rs`, also compiled by
//! `botfeed-postgres` and `botfeed-mysql`) over the SQLite script's schema, with the row structs
//! (`chinook_models.rs`) and the per-item statements (`chinook_queries.rs`) that SQLite shares
//! with MySQL, each crate's copy checked against its own database.

use sqlx::SqlitePool;

/// The Rust type of Chinook's id columns on SQLite (`INTEGER`).
pub type Int = i64;
/// The pool the Chinook workloads run on.
pub type Pool = SqlitePool;

#[path = "chinook_models.rs"]
#[macro_use]
mod models_macro;
/// The Chinook row structs and their loaders (`i64` integer columns).
pub mod models {
    chinook_models!(i64);
}
#[path = "chinook_queries.rs"]
mod queries;
#[path = "chinook_workload.rs"]
mod workload;

use queries::{
    album_row, artist_row, customer_row, genre_row, invoice_lines, invoice_row, media_type_row, playlist_entries,
    playlist_row, track_row,
};
pub use queries::{invoice_ids, playlist_ids};
pub use workload::{invoice_batched, invoice_naive, playlist_batched, playlist_naive};
