//! The Chinook workloads (real artist, album and track names), naive and batched:
//! "invoice detail" (invoice -> customer, lines -> track -> album -> artist, genre, media type)
//! and "playlist export" (playlist -> tracks through `PlaylistTrack` -> album -> artist).
//! Both versions render the same text, so their outputs are compared byte for byte.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use futures_util::future::{try_join, try_join3};
use sqlx::SqlitePool;

use crate::Error;
use crate::models::{
    Album, Artist, ChinookAlbumById, ChinookArtistById, ChinookCustomerById, ChinookGenreById, ChinookInvoiceById,
    ChinookInvoiceLineByInvoiceId, ChinookMediaTypeById, ChinookPlaylistById, ChinookPlaylistTrackByPlaylistId,
    ChinookTrackById, Customer, Genre, Invoice, InvoiceLine, MediaType, Playlist, PlaylistTrack, Track,
};

fn missing(what: &str, id: i64) -> Error {
    Error::Setup(format!("Chinook {what} {id} not found"))
}

fn duration(milliseconds: i64) -> String {
    let seconds = milliseconds / 1_000;
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

fn or_dash(text: Option<&str>) -> &str {
    text.unwrap_or("-")
}

/// Every invoice id, in order.
///
/// # Errors
/// A database error.
pub async fn invoice_ids(pool: &SqlitePool) -> Result<Vec<i64>, Error> {
    Ok(sqlx::query_scalar!("SELECT InvoiceId FROM Invoice ORDER BY InvoiceId").fetch_all(pool).await?)
}

/// Every playlist id, in order.
///
/// # Errors
/// A database error.
pub async fn playlist_ids(pool: &SqlitePool) -> Result<Vec<i64>, Error> {
    Ok(sqlx::query_scalar!("SELECT PlaylistId FROM Playlist ORDER BY PlaylistId").fetch_all(pool).await?)
}

struct LineView<'a> {
    line: &'a InvoiceLine,
    track: &'a Track,
    album: Option<&'a Album>,
    artist: Option<&'a Artist>,
    genre: Option<&'a Genre>,
    media: Option<&'a MediaType>,
}

fn render_invoice(invoice: &Invoice, customer: &Customer, lines: &[LineView<'_>]) -> String {
    let mut text = format!(
        "invoice {} for {} {} <{}> ({}, {}), {} line(s)\n",
        invoice.id,
        customer.first_name,
        customer.last_name,
        customer.email,
        or_dash(invoice.billing_city.as_deref()),
        or_dash(invoice.billing_country.as_deref()),
        lines.len()
    );
    for view in lines {
        let _ = writeln!(
            text,
            "  {} x {} ({}) by {} on {} [{}, {}]",
            view.line.quantity,
            view.track.name,
            duration(view.track.milliseconds),
            or_dash(view.artist.and_then(|artist| artist.name.as_deref())),
            view.album.map_or("-", |album| album.title.as_str()),
            or_dash(view.genre.and_then(|genre| genre.name.as_deref())),
            or_dash(view.media.and_then(|media| media.name.as_deref())),
        );
    }
    text
}

fn render_playlist(playlist: &Playlist, tracks: &[(&Track, Option<&Album>, Option<&Artist>)]) -> String {
    let mut text =
        format!("playlist {} {}: {} track(s)\n", playlist.id, or_dash(playlist.name.as_deref()), tracks.len());
    for (track, album, artist) in tracks {
        let _ = writeln!(
            text,
            "  {} - {} ({}){}",
            or_dash(artist.and_then(|artist| artist.name.as_deref())),
            track.name,
            album.map_or("-", |album| album.title.as_str()),
            track.composer.as_deref().map(|composer| format!(" by {composer}")).unwrap_or_default(),
        );
    }
    text
}

async fn track_by_id(pool: &SqlitePool, id: i64) -> Result<Track, Error> {
    sqlx::query_as!(
        Track,
        r#"SELECT TrackId AS id, Name AS name, AlbumId AS album_id, MediaTypeId AS media_type_id,
                  GenreId AS genre_id, Composer AS composer, Milliseconds AS milliseconds
           FROM Track WHERE TrackId = ?1"#,
        id
    )
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| missing("track", id))
}

async fn album_by_id(pool: &SqlitePool, id: i64) -> Result<Option<Album>, Error> {
    Ok(sqlx::query_as!(
        Album,
        "SELECT AlbumId AS id, Title AS title, ArtistId AS artist_id FROM Album WHERE AlbumId = ?1",
        id
    )
    .fetch_optional(pool)
    .await?)
}

async fn artist_by_id(pool: &SqlitePool, id: i64) -> Result<Option<Artist>, Error> {
    Ok(sqlx::query_as!(Artist, "SELECT ArtistId AS id, Name AS name FROM Artist WHERE ArtistId = ?1", id)
        .fetch_optional(pool)
        .await?)
}

/// One invoice's detail, per item (3 + 5 statements per line).
///
/// # Errors
/// A database error, or a dangling reference.
#[batchload::timed(name = "chinook-invoices::naive")]
pub async fn invoice_naive(pool: &SqlitePool, id: i64) -> Result<String, Error> {
    let invoice = sqlx::query_as!(
        Invoice,
        r#"SELECT InvoiceId AS id, CustomerId AS customer_id, BillingCity AS billing_city,
                  BillingCountry AS billing_country
           FROM Invoice WHERE InvoiceId = ?1"#,
        id
    )
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| missing("invoice", id))?;
    let customer = sqlx::query_as!(
        Customer,
        r#"SELECT CustomerId AS id, FirstName AS first_name, LastName AS last_name, Email AS email
           FROM Customer WHERE CustomerId = ?1"#,
        invoice.customer_id
    )
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| missing("customer", invoice.customer_id))?;
    let lines = sqlx::query_as!(
        InvoiceLine,
        r#"SELECT InvoiceLineId AS id, InvoiceId AS invoice_id, TrackId AS track_id, Quantity AS quantity
           FROM InvoiceLine WHERE InvoiceId = ?1 ORDER BY InvoiceLineId"#,
        id
    )
    .fetch_all(pool)
    .await?;
    let mut rows = Vec::new();
    for line in &lines {
        let track = track_by_id(pool, line.track_id).await?;
        let album = match track.album_id {
            Some(album) => album_by_id(pool, album).await?,
            None => None,
        };
        let artist = match &album {
            Some(album) => artist_by_id(pool, album.artist_id).await?,
            None => None,
        };
        let genre = match track.genre_id {
            Some(genre) => {
                sqlx::query_as!(Genre, "SELECT GenreId AS id, Name AS name FROM Genre WHERE GenreId = ?1", genre)
                    .fetch_optional(pool)
                    .await?
            }
            None => None,
        };
        let media = sqlx::query_as!(
            MediaType,
            "SELECT MediaTypeId AS id, Name AS name FROM MediaType WHERE MediaTypeId = ?1",
            track.media_type_id
        )
        .fetch_optional(pool)
        .await?;
        rows.push((line, track, album, artist, genre, media));
    }
    let views: Vec<LineView<'_>> = rows
        .iter()
        .map(|(line, track, album, artist, genre, media)| LineView {
            line,
            track,
            album: album.as_ref(),
            artist: artist.as_ref(),
            genre: genre.as_ref(),
            media: media.as_ref(),
        })
        .collect();
    Ok(render_invoice(&invoice, &customer, &views))
}

/// One invoice's detail with loaders (request-scoped: created per invoice): 8 statements
/// whatever the number of lines.
///
/// # Errors
/// A database error, or a dangling reference.
#[batchload::timed(name = "chinook-invoices::batched")]
pub async fn invoice_batched(pool: &SqlitePool, id: i64) -> Result<String, Error> {
    let invoice = ChinookInvoiceById::new(pool.clone()).load(id).await?.ok_or_else(|| missing("invoice", id))?;
    let (customer, lines) = try_join(
        ChinookCustomerById::new(pool.clone()).load(invoice.customer_id),
        ChinookInvoiceLineByInvoiceId::new(pool.clone()).load(id),
    )
    .await?;
    let customer = customer.ok_or_else(|| missing("customer", invoice.customer_id))?;
    let tracks = ChinookTrackById::new(pool.clone()).load_many(lines.iter().map(|line| line.track_id)).await?;
    let album_ids: BTreeSet<i64> = tracks.values().filter_map(|track| track.album_id).collect();
    let genre_ids: BTreeSet<i64> = tracks.values().filter_map(|track| track.genre_id).collect();
    let media_ids: BTreeSet<i64> = tracks.values().map(|track| track.media_type_id).collect();
    let (albums, genres, media) = try_join3(
        ChinookAlbumById::new(pool.clone()).load_many(album_ids),
        ChinookGenreById::new(pool.clone()).load_many(genre_ids),
        ChinookMediaTypeById::new(pool.clone()).load_many(media_ids),
    )
    .await?;
    let artists = ChinookArtistById::new(pool.clone()).load_many(albums.values().map(|album| album.artist_id)).await?;
    let mut views = Vec::with_capacity(lines.len());
    for line in &lines {
        let track = tracks.get(&line.track_id).ok_or_else(|| missing("track", line.track_id))?;
        let album = track.album_id.and_then(|album| albums.get(&album));
        views.push(LineView {
            line,
            track,
            album,
            artist: album.and_then(|album| artists.get(&album.artist_id)),
            genre: track.genre_id.and_then(|genre| genres.get(&genre)),
            media: media.get(&track.media_type_id),
        });
    }
    Ok(render_invoice(&invoice, &customer, &views))
}

/// One playlist's export, per item (2 + 3 statements per track).
///
/// # Errors
/// A database error, or a dangling reference.
#[batchload::timed(name = "chinook-playlists::naive")]
pub async fn playlist_naive(pool: &SqlitePool, id: i64) -> Result<String, Error> {
    let playlist =
        sqlx::query_as!(Playlist, "SELECT PlaylistId AS id, Name AS name FROM Playlist WHERE PlaylistId = ?1", id)
            .fetch_optional(pool)
            .await?
            .ok_or_else(|| missing("playlist", id))?;
    let entries = sqlx::query_as!(
        PlaylistTrack,
        r#"SELECT PlaylistId AS playlist_id, TrackId AS track_id FROM PlaylistTrack
           WHERE PlaylistId = ?1 ORDER BY TrackId"#,
        id
    )
    .fetch_all(pool)
    .await?;
    let mut rows = Vec::with_capacity(entries.len());
    for entry in &entries {
        let track = track_by_id(pool, entry.track_id).await?;
        let album = match track.album_id {
            Some(album) => album_by_id(pool, album).await?,
            None => None,
        };
        let artist = match &album {
            Some(album) => artist_by_id(pool, album.artist_id).await?,
            None => None,
        };
        rows.push((track, album, artist));
    }
    let views: Vec<(&Track, Option<&Album>, Option<&Artist>)> =
        rows.iter().map(|(track, album, artist)| (track, album.as_ref(), artist.as_ref())).collect();
    Ok(render_playlist(&playlist, &views))
}

/// One playlist's export with loaders (request-scoped): 5 statements whatever its size.
///
/// # Errors
/// A database error, or a dangling reference.
#[batchload::timed(name = "chinook-playlists::batched")]
pub async fn playlist_batched(pool: &SqlitePool, id: i64) -> Result<String, Error> {
    let (playlist, entries) = try_join(
        ChinookPlaylistById::new(pool.clone()).load(id),
        ChinookPlaylistTrackByPlaylistId::new(pool.clone()).load(id),
    )
    .await?;
    let playlist = playlist.ok_or_else(|| missing("playlist", id))?;
    let tracks: HashMap<i64, Track> =
        ChinookTrackById::new(pool.clone()).load_many(entries.iter().map(|entry| entry.track_id)).await?;
    let albums =
        ChinookAlbumById::new(pool.clone()).load_many(tracks.values().filter_map(|track| track.album_id)).await?;
    let artists = ChinookArtistById::new(pool.clone()).load_many(albums.values().map(|album| album.artist_id)).await?;
    let mut views = Vec::with_capacity(entries.len());
    for entry in &entries {
        let track = tracks.get(&entry.track_id).ok_or_else(|| missing("track", entry.track_id))?;
        let album = track.album_id.and_then(|album| albums.get(&album));
        views.push((track, album, album.and_then(|album| artists.get(&album.artist_id))));
    }
    Ok(render_playlist(&playlist, &views))
}
