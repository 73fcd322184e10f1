//! The rows the schema serves (the demo schema of `migrations/sqlite`), with their loaders.

use batchload::Batched;

/// A chat (`chats` table).
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "chats")]
pub struct Chat {
    /// Primary key; loader [`ChatById`].
    #[batched(key)]
    pub id: i64,
    /// Title.
    pub title: String,
}

/// A bot (`bots` table); the schema's root list.
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "bots")]
pub struct Bot {
    /// Primary key.
    #[batched(key)]
    pub id: i64,
    /// Display name.
    pub name: String,
}

/// A bot's stance on a topic (`bot_stances` table).
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "bot_stances")]
pub struct BotStance {
    /// Primary key.
    #[batched(key)]
    pub id: i64,
    /// Owning bot; loader [`BotStanceByBotId`].
    #[batched(group)]
    pub bot_id: i64,
    /// Topic.
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
    /// The chat it was posted in (resolved through [`ChatById`]).
    pub chat_id: i64,
    /// Author; loader [`MessageByBotId`] (rows in primary key order).
    #[batched(group)]
    pub bot_id: i64,
    /// Message text.
    pub body: String,
}
