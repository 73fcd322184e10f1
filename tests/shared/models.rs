// The demo row types of the chat-bot schema and the test fixtures, with their batched loaders.
// One definition for every backend test crate, which includes it after defining
// `type Timestamp` (the Rust type of its `created_at` columns) and importing `Batched`; the
// derive picks the SQL dialect from `[package.metadata.batchload] database` in that crate.

/// A bot (`bots` table).
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "bots")]
pub struct Bot {
    /// Primary key; loader [`BotById`].
    #[batched(key)]
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Persona prompt text.
    pub persona: String,
    /// Creation time (`Timestamp` is the backend's type for the column).
    pub created_at: Timestamp,
}

/// A chat message (`messages` table).
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "messages")]
pub struct Message {
    /// Primary key; loader [`MessageById`].
    #[batched(key)]
    pub id: i64,
    /// Chat the message belongs to; loader [`MessageByChatId`], rows by creation time.
    #[batched(group, order_by = "created_at")]
    pub chat_id: i64,
    /// Author; loader [`MessageByBotId`].
    #[batched(group)]
    pub bot_id: i64,
    /// Message text.
    pub body: String,
    /// Creation time (`Timestamp` is the backend's type for the column).
    pub created_at: Timestamp,
}

/// A bot's stance on a topic (`bot_stances` table).
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "bot_stances")]
pub struct BotStance {
    /// Primary key; loader [`BotStanceById`].
    #[batched(key)]
    pub id: i64,
    /// Owning bot; loader [`BotStanceByBotId`].
    #[batched(group)]
    pub bot_id: i64,
    /// Topic, e.g. `rates`.
    pub topic: String,
    /// Stance text.
    pub stance: String,
    /// Strength in `0.0..=1.0`.
    pub strength: f64,
    /// Optional free-form note (nullable column).
    pub note: Option<String>,
}

/// A position a bot holds (`bot_holdings` table), read through a renamed field.
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "bot_holdings", loader = "Holding")]
pub struct BotHolding {
    /// Primary key; loader [`HoldingById`].
    #[batched(key)]
    pub id: i64,
    /// Owning bot, read from column `bot_id`; loader [`HoldingByOwner`].
    #[batched(group, column = "bot_id")]
    pub owner: i64,
    /// Ticker symbol.
    pub symbol: String,
    /// Number of units held.
    pub quantity: i64,
    /// Average cost per unit (nullable column).
    pub cost_basis: Option<f64>,
}

/// A bot read by its (non-unique, free text) name: text keys, including non-ASCII ones.
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "bots", loader = "BotNamed")]
pub struct NamedBot {
    /// Primary key.
    #[batched(key)]
    pub id: i64,
    /// Display name; loader [`BotNamedByName`].
    #[batched(group)]
    pub name: String,
    /// Persona prompt text.
    pub persona: String,
}

/// Test fixture (`tests/<backend>/migrations`): a self-referencing table for nested and cyclic loads.
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "employees")]
pub struct Employee {
    /// Primary key; loader [`EmployeeById`].
    #[batched(key)]
    pub id: i64,
    /// Name.
    pub name: String,
    /// Manager (nullable); loader [`EmployeeByReportsTo`] yields the direct reports.
    #[batched(group)]
    pub reports_to: Option<i64>,
}
