//! The Chinook workloads (real artist, album and track names), naive and batched, written once
//! for every backend: "invoice detail" (invoice -> customer, lines -> track -> album -> artist,
//! genre, media type) and "playlist export" (playlist -> tracks through `PlaylistTrack` ->
//! album -> artist). Both versions render the same text, so their outputs are compared byte
//! for byte.
//!
//! A module of `botfeed` (SQLite) and, through `#[path]`, of `botfeed-postgres` and
//! `botfeed-mysql`. The including module (`chinook`) provides: `Int` (the Rust type of the
//! Chinook id columns on its backend), `Pool`, `models` (the row structs with their derived
//! loaders) and the per-item statements the naive versions run, one row or one list each:
//! `invoice_row`, `customer_row`, `invoice_lines`, `track_row`, `album_row`, `artist_row`,
//! `genre_row`, `media_type_row`, `playlist_row`, `playlist_entries`. `crate::Error` has a
//! `Setup(String)` variant and converts from `sqlx::Error` and `batchload::Error`.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use futures_util::future::{try_join, try_join3};

use super::models::{
    Album, Artist, ChinookAlbumById, ChinookArtistById, ChinookCustomerById, ChinookGenreById, ChinookInvoiceById,
    ChinookInvoiceLineByInvoiceId, ChinookMediaTypeById, ChinookPlaylistById, ChinookPlaylistTrackByPlaylistId,
    ChinookTrackById, Customer, Genre, Invoice, InvoiceLine, MediaType, Playlist, Track,
};
use super::{Int, Pool};
use crate::Error;

fn missing(what: &str, id: Int) -> Error {
    Error::Setup(format!("Chinook {what} {id} not found"))
}

fn duration(milliseconds: Int) -> String {
    let seconds = milliseconds / 1_000;
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

fn or_dash(text: Option<&str>) -> &str {
    text.unwrap_or("-")
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

/// A track with its album and the album's artist, per item (1 to 3 statements).
async fn track_album_artist(pool: &Pool, id: Int) -> Result<(Track, Option<Album>, Option<Artist>), Error> {
    let track = super::track_row(pool, id).await?.ok_or_else(|| missing("track", id))?;
    let album = match track.album_id {
        Some(album) => super::album_row(pool, album).await?,
        None => None,
    };
    let artist = match &album {
        Some(album) => super::artist_row(pool, album.artist_id).await?,
        None => None,
    };
    Ok((track, album, artist))
}

/// One invoice's detail, per item, as the original code did: 3 statements, then 5 per line
/// (track, album, artist, genre, media type).
///
/// # Errors
/// A database error, or a dangling reference ([`Error::Setup`]).
#[batchload::timed(name = "chinook-invoices::naive")]
pub async fn invoice_naive(pool: &Pool, id: Int) -> Result<String, Error> {
    let invoice = super::invoice_row(pool, id).await?.ok_or_else(|| missing("invoice", id))?;
    let customer = super::customer_row(pool, invoice.customer_id)
        .await?
        .ok_or_else(|| missing("customer", invoice.customer_id))?;
    let lines = super::invoice_lines(pool, id).await?;
    let mut rows = Vec::with_capacity(lines.len());
    for line in &lines {
        let (track, album, artist) = track_album_artist(pool, line.track_id).await?;
        let genre = match track.genre_id {
            Some(genre) => super::genre_row(pool, genre).await?,
            None => None,
        };
        let media = super::media_type_row(pool, track.media_type_id).await?;
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
/// A database error, or a dangling reference ([`Error::Setup`]).
#[batchload::timed(name = "chinook-invoices::batched")]
pub async fn invoice_batched(pool: &Pool, id: Int) -> Result<String, Error> {
    let invoice = ChinookInvoiceById::new(pool.clone()).load(id).await?.ok_or_else(|| missing("invoice", id))?;
    let (customer, lines) = try_join(
        ChinookCustomerById::new(pool.clone()).load(invoice.customer_id),
        ChinookInvoiceLineByInvoiceId::new(pool.clone()).load(id),
    )
    .await?;
    let customer = customer.ok_or_else(|| missing("customer", invoice.customer_id))?;
    let tracks = ChinookTrackById::new(pool.clone()).load_many(lines.iter().map(|line| line.track_id)).await?;
    let album_ids: BTreeSet<Int> = tracks.values().filter_map(|track| track.album_id).collect();
    let genre_ids: BTreeSet<Int> = tracks.values().filter_map(|track| track.genre_id).collect();
    let media_ids: BTreeSet<Int> = tracks.values().map(|track| track.media_type_id).collect();
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

/// One playlist's export, per item: 2 statements, then 3 per track (track, album, artist).
///
/// # Errors
/// A database error, or a dangling reference ([`Error::Setup`]).
#[batchload::timed(name = "chinook-playlists::naive")]
pub async fn playlist_naive(pool: &Pool, id: Int) -> Result<String, Error> {
    let playlist = super::playlist_row(pool, id).await?.ok_or_else(|| missing("playlist", id))?;
    let entries = super::playlist_entries(pool, id).await?;
    let mut rows = Vec::with_capacity(entries.len());
    for entry in &entries {
        rows.push(track_album_artist(pool, entry.track_id).await?);
    }
    let views: Vec<(&Track, Option<&Album>, Option<&Artist>)> =
        rows.iter().map(|(track, album, artist)| (track, album.as_ref(), artist.as_ref())).collect();
    Ok(render_playlist(&playlist, &views))
}

/// One playlist's export with loaders (request-scoped): 5 statements whatever its size.
///
/// # Errors
/// A database error, or a dangling reference ([`Error::Setup`]).
#[batchload::timed(name = "chinook-playlists::batched")]
pub async fn playlist_batched(pool: &Pool, id: Int) -> Result<String, Error> {
    let (playlist, entries) = try_join(
        ChinookPlaylistById::new(pool.clone()).load(id),
        ChinookPlaylistTrackByPlaylistId::new(pool.clone()).load(id),
    )
    .await?;
    let playlist = playlist.ok_or_else(|| missing("playlist", id))?;
    let tracks: HashMap<Int, Track> =
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
