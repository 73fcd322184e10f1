//! The Chinook row types with their derived loaders, for the scripts with PascalCase tables and
//! columns (SQLite's and MySQL's; every field names its column), as a macro over the Rust type
//! of the scripts' integer columns: `i64` for SQLite's `INTEGER`, `i32` for MySQL's `INT` (the
//! derive's `query_as!` checks each field's type against its column). Included by `botfeed`
//! and, through `#[path]`, by `botfeed-mysql`: `chinook_models!(i64)` in a module defines them.

/// Defines the Chinook row structs, with `$int` as the type of every integer column.
macro_rules! chinook_models {
    ($int:ident) => {
        use batchload::Batched;

        /// Chinook `Invoice` (money and date columns are not read: they are not needed and their
        /// types differ per backend).
        #[derive(Debug, Clone, PartialEq, Batched)]
        #[batched(table = "Invoice", loader = "ChinookInvoice")]
        pub struct Invoice {
            /// `InvoiceId`; loader [`ChinookInvoiceById`].
            #[batched(key, column = "InvoiceId")]
            pub id: $int,
            /// `CustomerId`.
            #[batched(column = "CustomerId")]
            pub customer_id: $int,
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
            pub id: $int,
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
            pub id: $int,
            /// `InvoiceId`; loader [`ChinookInvoiceLineByInvoiceId`].
            #[batched(group, column = "InvoiceId")]
            pub invoice_id: $int,
            /// `TrackId`.
            #[batched(column = "TrackId")]
            pub track_id: $int,
            /// `Quantity`.
            #[batched(column = "Quantity")]
            pub quantity: $int,
        }

        /// Chinook `Track`.
        #[derive(Debug, Clone, PartialEq, Batched)]
        #[batched(table = "Track", loader = "ChinookTrack")]
        pub struct Track {
            /// `TrackId`; loader [`ChinookTrackById`].
            #[batched(key, column = "TrackId")]
            pub id: $int,
            /// `Name`.
            #[batched(column = "Name")]
            pub name: String,
            /// `AlbumId`.
            #[batched(column = "AlbumId")]
            pub album_id: Option<$int>,
            /// `MediaTypeId`.
            #[batched(column = "MediaTypeId")]
            pub media_type_id: $int,
            /// `GenreId`.
            #[batched(column = "GenreId")]
            pub genre_id: Option<$int>,
            /// `Composer`.
            #[batched(column = "Composer")]
            pub composer: Option<String>,
            /// `Milliseconds`.
            #[batched(column = "Milliseconds")]
            pub milliseconds: $int,
        }

        /// Chinook `Album`.
        #[derive(Debug, Clone, PartialEq, Batched)]
        #[batched(table = "Album", loader = "ChinookAlbum")]
        pub struct Album {
            /// `AlbumId`; loader [`ChinookAlbumById`].
            #[batched(key, column = "AlbumId")]
            pub id: $int,
            /// `Title`.
            #[batched(column = "Title")]
            pub title: String,
            /// `ArtistId`.
            #[batched(column = "ArtistId")]
            pub artist_id: $int,
        }

        /// Chinook `Artist`.
        #[derive(Debug, Clone, PartialEq, Batched)]
        #[batched(table = "Artist", loader = "ChinookArtist")]
        pub struct Artist {
            /// `ArtistId`; loader [`ChinookArtistById`].
            #[batched(key, column = "ArtistId")]
            pub id: $int,
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
            pub id: $int,
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
            pub id: $int,
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
            pub id: $int,
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
            pub playlist_id: $int,
            /// `TrackId`.
            #[batched(column = "TrackId")]
            pub track_id: $int,
        }
    };
}
