//! Row types with their derived loaders, checked at compile time against SQLite: the demo
//! chat-bot schema (`migrations/sqlite`) and the Chinook schema (its SQLite script: PascalCase
//! tables and columns, so every field names its column).

use batchload::Batched;

/// A bot (`bots`).
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "bots")]
pub struct Bot {
    /// Primary key; loader [`BotById`].
    #[batched(key)]
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Persona text.
    pub persona: String,
}

/// A chat message (`messages`).
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "messages")]
pub struct Message {
    /// Primary key; loader [`MessageById`].
    #[batched(key)]
    pub id: i64,
    /// Chat; loader [`MessageByChatId`].
    #[batched(group, order_by = "created_at")]
    pub chat_id: i64,
    /// Author; loader [`MessageByBotId`].
    #[batched(group)]
    pub bot_id: i64,
    /// Text.
    pub body: String,
    /// ISO 8601 creation time.
    pub created_at: String,
}

/// A bot's stance on a topic (`bot_stances`).
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "bot_stances")]
pub struct BotStance {
    /// Primary key; loader [`BotStanceById`].
    #[batched(key)]
    pub id: i64,
    /// Owning bot; loader [`BotStanceByBotId`].
    #[batched(group)]
    pub bot_id: i64,
    /// Topic.
    pub topic: String,
    /// Stance text.
    pub stance: String,
    /// Strength in `0.0..=1.0`.
    pub strength: f64,
    /// Optional note.
    pub note: Option<String>,
}

/// A position a bot holds (`bot_holdings`).
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "bot_holdings", loader = "Holding")]
pub struct BotHolding {
    /// Primary key; loader [`HoldingById`].
    #[batched(key)]
    pub id: i64,
    /// Owning bot; loader [`HoldingByBotId`].
    #[batched(group)]
    pub bot_id: i64,
    /// Ticker symbol.
    pub symbol: String,
    /// Units held.
    pub quantity: i64,
    /// Average cost per unit.
    pub cost_basis: Option<f64>,
}

/// Chinook `Invoice` (money and date columns are not read: NUMERIC/DATETIME have no fixed
/// SQLite storage class).
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "Invoice", loader = "ChinookInvoice")]
pub struct Invoice {
    /// `InvoiceId`; loader [`ChinookInvoiceById`].
    #[batched(key, column = "InvoiceId")]
    pub id: i64,
    /// `CustomerId`.
    #[batched(column = "CustomerId")]
    pub customer_id: i64,
    /// `BillingCity`.
    #[batched(column = "BillingCity")]
    pub billing_city: Option<String>,
    /// `BillingCountry`.
    #[batched(column = "BillingCountry")]
    pub billing_country: Option<String>,
}

/// Chinook `Customer`.
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "Customer", loader = "ChinookCustomer")]
pub struct Customer {
    /// `CustomerId`; loader [`ChinookCustomerById`].
    #[batched(key, column = "CustomerId")]
    pub id: i64,
    /// `FirstName`.
    #[batched(column = "FirstName")]
    pub first_name: String,
    /// `LastName`.
    #[batched(column = "LastName")]
    pub last_name: String,
    /// `Email`.
    #[batched(column = "Email")]
    pub email: String,
}

/// Chinook `InvoiceLine`.
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "InvoiceLine", loader = "ChinookInvoiceLine")]
pub struct InvoiceLine {
    /// `InvoiceLineId`; loader [`ChinookInvoiceLineById`].
    #[batched(key, column = "InvoiceLineId")]
    pub id: i64,
    /// `InvoiceId`; loader [`ChinookInvoiceLineByInvoiceId`].
    #[batched(group, column = "InvoiceId")]
    pub invoice_id: i64,
    /// `TrackId`.
    #[batched(column = "TrackId")]
    pub track_id: i64,
    /// `Quantity`.
    #[batched(column = "Quantity")]
    pub quantity: i64,
}

/// Chinook `Track`.
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "Track", loader = "ChinookTrack")]
pub struct Track {
    /// `TrackId`; loader [`ChinookTrackById`].
    #[batched(key, column = "TrackId")]
    pub id: i64,
    /// `Name`.
    #[batched(column = "Name")]
    pub name: String,
    /// `AlbumId`.
    #[batched(column = "AlbumId")]
    pub album_id: Option<i64>,
    /// `MediaTypeId`.
    #[batched(column = "MediaTypeId")]
    pub media_type_id: i64,
    /// `GenreId`.
    #[batched(column = "GenreId")]
    pub genre_id: Option<i64>,
    /// `Composer`.
    #[batched(column = "Composer")]
    pub composer: Option<String>,
    /// `Milliseconds`.
    #[batched(column = "Milliseconds")]
    pub milliseconds: i64,
}

/// Chinook `Album`.
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "Album", loader = "ChinookAlbum")]
pub struct Album {
    /// `AlbumId`; loader [`ChinookAlbumById`].
    #[batched(key, column = "AlbumId")]
    pub id: i64,
    /// `Title`.
    #[batched(column = "Title")]
    pub title: String,
    /// `ArtistId`.
    #[batched(column = "ArtistId")]
    pub artist_id: i64,
}

/// Chinook `Artist`.
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "Artist", loader = "ChinookArtist")]
pub struct Artist {
    /// `ArtistId`; loader [`ChinookArtistById`].
    #[batched(key, column = "ArtistId")]
    pub id: i64,
    /// `Name`.
    #[batched(column = "Name")]
    pub name: Option<String>,
}

/// Chinook `Genre`.
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "Genre", loader = "ChinookGenre")]
pub struct Genre {
    /// `GenreId`; loader [`ChinookGenreById`].
    #[batched(key, column = "GenreId")]
    pub id: i64,
    /// `Name`.
    #[batched(column = "Name")]
    pub name: Option<String>,
}

/// Chinook `MediaType`.
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "MediaType", loader = "ChinookMediaType")]
pub struct MediaType {
    /// `MediaTypeId`; loader [`ChinookMediaTypeById`].
    #[batched(key, column = "MediaTypeId")]
    pub id: i64,
    /// `Name`.
    #[batched(column = "Name")]
    pub name: Option<String>,
}

/// Chinook `Playlist`.
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "Playlist", loader = "ChinookPlaylist")]
pub struct Playlist {
    /// `PlaylistId`; loader [`ChinookPlaylistById`].
    #[batched(key, column = "PlaylistId")]
    pub id: i64,
    /// `Name`.
    #[batched(column = "Name")]
    pub name: Option<String>,
}

/// Chinook `PlaylistTrack` (the many-to-many join table), grouped by playlist.
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "PlaylistTrack", loader = "ChinookPlaylistTrack")]
pub struct PlaylistTrack {
    /// `PlaylistId`; loader [`ChinookPlaylistTrackByPlaylistId`], rows by `TrackId`.
    #[batched(group, column = "PlaylistId", order_by = "TrackId")]
    pub playlist_id: i64,
    /// `TrackId`.
    #[batched(column = "TrackId")]
    pub track_id: i64,
}
