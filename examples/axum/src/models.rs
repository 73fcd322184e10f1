//! The rows this service reads (the demo schema of `migrations/sqlite`), with their loaders.
//!
//! Each `#[batched(key)]` field gives a one-to-one loader (`BotById::load(id) -> Option<Bot>`),
//! each `#[batched(group)]` field a one-to-many loader
//! (`BotStanceByBotId::load(bot_id) -> Vec<BotStance>`). `created_at` is ISO 8601 text on
//! SQLite, read as `String`: no `chrono`/`time` feature of sqlx is needed.

use batchload::Batched;
use serde::Serialize;

/// A chat (`chats` table).
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "chats")]
pub struct Chat {
    /// Primary key; loader [`ChatById`].
    #[batched(key)]
    pub id: i64,
    /// Title shown to users.
    pub title: String,
}

/// A bot (`bots` table).
#[derive(Debug, Clone, PartialEq, Serialize, Batched)]
#[batched(table = "bots")]
pub struct Bot {
    /// Primary key; loader [`BotById`].
    #[batched(key)]
    pub id: i64,
    /// Display name.
    pub name: String,
}

/// A bot's stance on a topic (`bot_stances` table).
#[derive(Debug, Clone, PartialEq, Serialize, Batched)]
#[batched(table = "bot_stances")]
pub struct BotStance {
    /// Primary key.
    #[batched(key)]
    pub id: i64,
    /// Owning bot; loader [`BotStanceByBotId`] (rows in primary key order).
    #[batched(group)]
    pub bot_id: i64,
    /// Topic, e.g. `rates`.
    pub topic: String,
    /// Stance text.
    pub stance: String,
}

/// A chat message (`messages` table).
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "messages")]
pub struct Message {
    /// Primary key.
    #[batched(key)]
    pub id: i64,
    /// Chat; loader [`MessageByChatId`] (rows by creation time, then id).
    #[batched(group, order_by = "created_at")]
    pub chat_id: i64,
    /// Author (a bot).
    pub bot_id: i64,
    /// Message text.
    pub body: String,
    /// Creation time, ISO 8601 text.
    pub created_at: String,
}
