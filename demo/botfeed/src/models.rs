//! The demo row types on the database servers, with their derived loaders: one file included by
//! `botfeed-postgres` and `botfeed-mysql` (each crate's `[package.metadata.batchload]` picks the
//! dialect the derive generates).

use batchload::Batched;

/// A bot (`bots`); also, many-to-many, the members of a chat (through `chat_members`, in the
/// chat's `position` order): loader [`MembersByChatId`].
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "bots")]
#[batched(through(
    table = "chat_members",
    parent = "chat_id",
    child = "bot_id",
    order_by = "position",
    loader = "MembersByChatId"
))]
pub struct Bot {
    /// Primary key; loader [`BotById`].
    #[batched(key)]
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Persona text.
    pub persona: String,
}

/// A chat message (`messages`). The `botfeed` workload reads messages with hand-written
/// statements, the `tick` workload its histories through [`MessageByChatId`]; every loader is
/// checked by phase 2 (`messages` has no secondary index before the advisor's migration).
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "messages")]
pub struct Message {
    /// Primary key; loader [`MessageById`].
    #[batched(key)]
    pub id: i64,
    /// Chat; loader [`MessageByChatId`]: a chat's history, its last 30 messages
    /// ([`HISTORY`](crate::logic::HISTORY)), newest first (top-N per chat).
    #[batched(group, order_by = "created_at DESC, id DESC", limit = 30)]
    pub chat_id: i64,
    /// Author; loader [`MessageByBotId`].
    #[batched(group)]
    pub bot_id: i64,
    /// Text.
    pub body: String,
    /// Creation time (`crate::Timestamp`: ISO 8601 text on SQLite, `TIMESTAMPTZ` on PostgreSQL,
    /// `DATETIME(6)` on MySQL).
    pub created_at: crate::Timestamp,
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
