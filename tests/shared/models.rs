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


/// Test fixture (`9004_test_relations.sql`): a topic, read by id and, many-to-many, as the
/// topics a bot follows (through `bot_topics`, in the bot's own `position` order).
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "topics")]
#[batched(through(table = "bot_topics", parent = "bot_id", child = "topic_id", order_by = "position"))]
pub struct Topic {
    /// Primary key; loader [`TopicById`]; `bot_topics.topic_id` references it.
    #[batched(key)]
    pub id: i64,
    /// Topic name.
    pub name: String,
}

/// Test fixture: a bot following a topic, unique per `(topic_id, bot_id)`: composite key
/// loader [`BotTopicByTopicIdAndBotId`] (key tuple in the attribute's order, not the fields').
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "bot_topics", key(topic_id, bot_id), order_by = "position")]
pub struct BotTopic {
    /// The following bot; loader [`BotTopicByBotId`] (the first of two chained loaders
    /// reading a bot's topics, in `position` order, ties by the composite key).
    #[batched(group)]
    pub bot_id: i64,
    /// The followed topic.
    pub topic_id: i64,
    /// The topic's place in the bot's list.
    pub position: i64,
}

/// Test fixture: a reaction to a message. Loaders: [`ReactionByMessageId`], the 3 best
/// reactions of each message (top-N, ties broken by id); [`ReactionByMessageIdAndEmoji`], the
/// reactions of each `(message_id, emoji)` pair, best first.
#[derive(Debug, Clone, PartialEq, Batched)]
#[batched(table = "reactions", group(message_id, emoji), order_by = "score DESC")]
pub struct Reaction {
    /// Primary key; loader [`ReactionById`].
    #[batched(key)]
    pub id: i64,
    /// The message reacted to.
    #[batched(group, order_by = "score DESC, id DESC", limit = 3)]
    pub message_id: i64,
    /// The reaction.
    pub emoji: String,
    /// Its weight.
    pub score: i64,
}
