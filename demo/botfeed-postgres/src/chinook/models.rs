//! The Chinook row types with their derived loaders for PostgreSQL: the PostgreSQL script's
//! schema has snake_case tables and columns (`invoice_line.invoice_id`) and `INT` (`i32`) ids.

use batchload::Batched;

/// Chinook `Invoice` (money and date columns are not read: they are not needed and their
/// types differ per backend).
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "invoice", loader = "ChinookInvoice")]
pub struct Invoice {
    /// `invoice_id`; loader [`ChinookInvoiceById`].
    #[batched(key, column = "invoice_id")]
    pub id: i32,
    /// `customer_id`.
    pub customer_id: i32,
    /// `billing_city`.
    pub billing_city: Option<String>,
    /// `billing_country`.
    pub billing_country: Option<String>,
}

/// Chinook `Customer`.
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "customer", loader = "ChinookCustomer")]
pub struct Customer {
    /// `customer_id`; loader [`ChinookCustomerById`].
    #[batched(key, column = "customer_id")]
    pub id: i32,
    /// `first_name`.
    pub first_name: String,
    /// `last_name`.
    pub last_name: String,
    /// `email`.
    pub email: String,
}

/// Chinook `InvoiceLine`.
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "invoice_line", loader = "ChinookInvoiceLine")]
pub struct InvoiceLine {
    /// `invoice_line_id`; loader [`ChinookInvoiceLineById`].
    #[batched(key, column = "invoice_line_id")]
    pub id: i32,
    /// `invoice_id`; loader [`ChinookInvoiceLineByInvoiceId`].
    #[batched(group)]
    pub invoice_id: i32,
    /// `track_id`.
    pub track_id: i32,
    /// `quantity`.
    pub quantity: i32,
}

/// Chinook `Track`.
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "track", loader = "ChinookTrack")]
pub struct Track {
    /// `track_id`; loader [`ChinookTrackById`].
    #[batched(key, column = "track_id")]
    pub id: i32,
    /// `name`.
    pub name: String,
    /// `album_id`.
    pub album_id: Option<i32>,
    /// `media_type_id`.
    pub media_type_id: i32,
    /// `genre_id`.
    pub genre_id: Option<i32>,
    /// `composer`.
    pub composer: Option<String>,
    /// `milliseconds`.
    pub milliseconds: i32,
}

/// Chinook `Album`.
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "album", loader = "ChinookAlbum")]
pub struct Album {
    /// `album_id`; loader [`ChinookAlbumById`].
    #[batched(key, column = "album_id")]
    pub id: i32,
    /// `title`.
    pub title: String,
    /// `artist_id`.
    pub artist_id: i32,
}

/// Chinook `Artist`.
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "artist", loader = "ChinookArtist")]
pub struct Artist {
    /// `artist_id`; loader [`ChinookArtistById`].
    #[batched(key, column = "artist_id")]
    pub id: i32,
    /// `name`.
    pub name: Option<String>,
}

/// Chinook `Genre`.
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "genre", loader = "ChinookGenre")]
pub struct Genre {
    /// `genre_id`; loader [`ChinookGenreById`].
    #[batched(key, column = "genre_id")]
    pub id: i32,
    /// `name`.
    pub name: Option<String>,
}

/// Chinook `MediaType`.
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "media_type", loader = "ChinookMediaType")]
pub struct MediaType {
    /// `media_type_id`; loader [`ChinookMediaTypeById`].
    #[batched(key, column = "media_type_id")]
    pub id: i32,
    /// `name`.
    pub name: Option<String>,
}

/// Chinook `Playlist`.
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "playlist", loader = "ChinookPlaylist")]
pub struct Playlist {
    /// `playlist_id`; loader [`ChinookPlaylistById`].
    #[batched(key, column = "playlist_id")]
    pub id: i32,
    /// `name`.
    pub name: Option<String>,
}

/// Chinook `PlaylistTrack` (the many-to-many join table), grouped by playlist.
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "playlist_track", loader = "ChinookPlaylistTrack")]
pub struct PlaylistTrack {
    /// `playlist_id`; loader [`ChinookPlaylistTrackByPlaylistId`], rows by `track_id`.
    #[batched(group, order_by = "track_id")]
    pub playlist_id: i32,
    /// `track_id`.
    pub track_id: i32,
}
