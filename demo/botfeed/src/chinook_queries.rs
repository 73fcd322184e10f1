//! The id lists and the per-item statements of the naive Chinook workloads for the PascalCase scripts (SQLite's
//! and MySQL's): a module of `botfeed` and, through `#[path]`, of `botfeed-mysql`, checked
//! against each crate's database (plain `?` placeholders suit both dialects).

use super::models::{Album, Artist, Customer, Genre, Invoice, InvoiceLine, MediaType, Playlist, PlaylistTrack, Track};
use super::{Int, Pool};
use crate::Error;

/// Every invoice id, in order (`SELECT InvoiceId FROM Invoice ORDER BY InvoiceId`).
///
/// # Errors
/// A database error.
pub async fn invoice_ids(pool: &Pool) -> Result<Vec<Int>, Error> {
    Ok(sqlx::query_scalar!("SELECT InvoiceId FROM Invoice ORDER BY InvoiceId").fetch_all(pool).await?)
}

/// Every playlist id, in order (`SELECT PlaylistId FROM Playlist ORDER BY PlaylistId`).
///
/// # Errors
/// A database error.
pub async fn playlist_ids(pool: &Pool) -> Result<Vec<Int>, Error> {
    Ok(sqlx::query_scalar!("SELECT PlaylistId FROM Playlist ORDER BY PlaylistId").fetch_all(pool).await?)
}

pub(super) async fn invoice_row(pool: &Pool, id: Int) -> Result<Option<Invoice>, Error> {
    Ok(sqlx::query_as!(
        Invoice,
        r#"SELECT InvoiceId AS id, CustomerId AS customer_id, BillingCity AS billing_city,
                  BillingCountry AS billing_country
           FROM Invoice WHERE InvoiceId = ?"#,
        id
    )
    .fetch_optional(pool)
    .await?)
}

pub(super) async fn customer_row(pool: &Pool, id: Int) -> Result<Option<Customer>, Error> {
    Ok(sqlx::query_as!(
        Customer,
        r#"SELECT CustomerId AS id, FirstName AS first_name, LastName AS last_name, Email AS email
           FROM Customer WHERE CustomerId = ?"#,
        id
    )
    .fetch_optional(pool)
    .await?)
}

pub(super) async fn invoice_lines(pool: &Pool, invoice: Int) -> Result<Vec<InvoiceLine>, Error> {
    Ok(sqlx::query_as!(
        InvoiceLine,
        r#"SELECT InvoiceLineId AS id, InvoiceId AS invoice_id, TrackId AS track_id, Quantity AS quantity
           FROM InvoiceLine WHERE InvoiceId = ? ORDER BY InvoiceLineId"#,
        invoice
    )
    .fetch_all(pool)
    .await?)
}

pub(super) async fn track_row(pool: &Pool, id: Int) -> Result<Option<Track>, Error> {
    Ok(sqlx::query_as!(
        Track,
        r#"SELECT TrackId AS id, Name AS name, AlbumId AS album_id, MediaTypeId AS media_type_id,
                  GenreId AS genre_id, Composer AS composer, Milliseconds AS milliseconds
           FROM Track WHERE TrackId = ?"#,
        id
    )
    .fetch_optional(pool)
    .await?)
}

pub(super) async fn album_row(pool: &Pool, id: Int) -> Result<Option<Album>, Error> {
    Ok(sqlx::query_as!(
        Album,
        "SELECT AlbumId AS id, Title AS title, ArtistId AS artist_id FROM Album WHERE AlbumId = ?",
        id
    )
    .fetch_optional(pool)
    .await?)
}

pub(super) async fn artist_row(pool: &Pool, id: Int) -> Result<Option<Artist>, Error> {
    Ok(sqlx::query_as!(Artist, "SELECT ArtistId AS id, Name AS name FROM Artist WHERE ArtistId = ?", id)
        .fetch_optional(pool)
        .await?)
}

pub(super) async fn genre_row(pool: &Pool, id: Int) -> Result<Option<Genre>, Error> {
    Ok(sqlx::query_as!(Genre, "SELECT GenreId AS id, Name AS name FROM Genre WHERE GenreId = ?", id)
        .fetch_optional(pool)
        .await?)
}

pub(super) async fn media_type_row(pool: &Pool, id: Int) -> Result<Option<MediaType>, Error> {
    Ok(sqlx::query_as!(MediaType, "SELECT MediaTypeId AS id, Name AS name FROM MediaType WHERE MediaTypeId = ?", id)
        .fetch_optional(pool)
        .await?)
}

pub(super) async fn playlist_row(pool: &Pool, id: Int) -> Result<Option<Playlist>, Error> {
    Ok(sqlx::query_as!(Playlist, "SELECT PlaylistId AS id, Name AS name FROM Playlist WHERE PlaylistId = ?", id)
        .fetch_optional(pool)
        .await?)
}

pub(super) async fn playlist_entries(pool: &Pool, playlist: Int) -> Result<Vec<PlaylistTrack>, Error> {
    Ok(sqlx::query_as!(
        PlaylistTrack,
        r#"SELECT PlaylistId AS playlist_id, TrackId AS track_id FROM PlaylistTrack
           WHERE PlaylistId = ? ORDER BY TrackId"#,
        playlist
    )
    .fetch_all(pool)
    .await?)
}
