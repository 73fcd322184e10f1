//! What the derive knows of a key type from its name: how the key travels in a JSON key list
//! (SQLite, MySQL) and which SQL type reads it back. PostgreSQL binds keys natively and needs
//! none of this.

use syn::Type;

/// Kind of a loader key type, recognised by the last segment of its path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyKind {
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    Bool,
    Text,
    Uuid,
    Date,
    /// Not recognised: fine on PostgreSQL, an error on JSON-list backends.
    Other,
}

impl KeyKind {
    pub(crate) fn of(ty: &Type) -> Self {
        let Type::Path(path) = ty else { return KeyKind::Other };
        let Some(last) = path.path.segments.last() else { return KeyKind::Other };
        match last.ident.to_string().as_str() {
            "i8" => KeyKind::I8,
            "i16" => KeyKind::I16,
            "i32" => KeyKind::I32,
            "i64" => KeyKind::I64,
            "u8" => KeyKind::U8,
            "u16" => KeyKind::U16,
            "u32" => KeyKind::U32,
            "u64" => KeyKind::U64,
            "bool" => KeyKind::Bool,
            "String" => KeyKind::Text,
            "Uuid" => KeyKind::Uuid,
            "NaiveDate" => KeyKind::Date,
            _ => KeyKind::Other,
        }
    }

    /// The name of the matching `batchload::__private::KeyEncoding` variant, checked against
    /// the key type's `JsonKey` impl at compile time.
    pub(crate) fn encoding(self) -> &'static str {
        match self {
            KeyKind::I8 | KeyKind::I16 | KeyKind::I32 | KeyKind::I64 => "Signed",
            KeyKind::U8 | KeyKind::U16 | KeyKind::U32 | KeyKind::U64 => "Unsigned",
            KeyKind::Bool => "Bool",
            KeyKind::Text => "Text",
            KeyKind::Uuid => "UuidHex",
            KeyKind::Date => "Date",
            KeyKind::Other => "Other",
        }
    }

    /// SQL type of the `JSON_TABLE` column reading this key on MySQL/MariaDB. Text keys use
    /// the longest utf8mb4 `VARCHAR`, so no key is ever truncated into matching another.
    pub(crate) fn mysql_type(self) -> &'static str {
        match self {
            KeyKind::I8 => "TINYINT",
            KeyKind::I16 => "SMALLINT",
            KeyKind::I32 => "INT",
            KeyKind::I64 => "BIGINT",
            KeyKind::U8 => "TINYINT UNSIGNED",
            KeyKind::U16 => "SMALLINT UNSIGNED",
            KeyKind::U32 => "INT UNSIGNED",
            KeyKind::U64 => "BIGINT UNSIGNED",
            KeyKind::Bool => "BOOLEAN",
            KeyKind::Text => "VARCHAR(16383)",
            KeyKind::Uuid => "CHAR(32)",
            KeyKind::Date => "DATE",
            KeyKind::Other => "",
        }
    }
}

impl KeyKind {
    /// PostgreSQL type a composite key's JSON element is cast to; `None` for key types with no
    /// PostgreSQL mapping in sqlx (unsigned integers, `i8`) or not recognised.
    pub(crate) fn postgres_type(self) -> Option<&'static str> {
        match self {
            KeyKind::I16 => Some("int2"),
            KeyKind::I32 => Some("int4"),
            KeyKind::I64 => Some("int8"),
            KeyKind::Bool => Some("bool"),
            KeyKind::Text => Some("text"),
            KeyKind::Uuid => Some("uuid"),
            KeyKind::Date => Some("date"),
            _ => None,
        }
    }
}

/// Key type names the JSON-list backends (SQLite, MySQL) accept, for error messages.
pub(crate) const SUPPORTED_JSON_KEYS: &str =
    "i8, i16, i32, i64, u8, u16, u32, u64, bool, String, uuid::Uuid, chrono::NaiveDate";
