// Row and context types of the hand-written loaders, shared by every backend test crate (each
// crate's `src/handwritten.rs` includes this file and implements `BatchQuery` with its own
// dialect's SQL).

use batchload::{GroupLoader, OneLoader};

/// A bot's stance as seen by a viewer (another bot): the stance plus whether the viewer holds
/// a stance on the same topic. The flag depends on who asks, so the loader carries the viewer.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewerStance {
    /// Primary key of the stance.
    pub id: i64,
    /// Owning bot (the loader's key).
    pub bot_id: i64,
    /// Topic, e.g. `topic-2`.
    pub topic: String,
    /// Stance text.
    pub stance: String,
    /// Whether the viewer has a stance on this topic too (computed by the statement from the
    /// viewer id, its second bind parameter).
    pub viewer_has_topic: bool,
}

/// Context loader: the stances of bots (key: `bot_id`) as seen by `viewer`. One statement per
/// batch binds the key list and the viewer.
#[derive(Debug, Clone)]
pub struct StancesForViewer {
    /// Pool the statement runs on.
    pub pool: sqlx::Pool<Db>,
    /// The bot asking (bound as the statement's viewer parameter).
    pub viewer: i64,
}

impl StancesForViewer {
    /// A group loader of stances for `viewer` over `pool`.
    pub fn loader(pool: sqlx::Pool<Db>, viewer: i64) -> GroupLoader<Self> {
        GroupLoader::new(Self { pool, viewer })
    }
}

/// Tuple-key loader: the stance of a bot on a topic, keyed by `(bot_id, topic)`, yielding the
/// derived `BotStance` row itself (no wrapper row: `key_of` builds the tuple).
#[derive(Debug, Clone)]
pub struct StanceByBotAndTopic {
    /// Pool the statement runs on.
    pub pool: sqlx::Pool<Db>,
}

impl StanceByBotAndTopic {
    /// A one-to-one loader over `pool`.
    pub fn loader(pool: sqlx::Pool<Db>) -> OneLoader<Self> {
        OneLoader::new(Self { pool })
    }
}

batchload::register_loader!(GroupLoader<StancesForViewer>);
batchload::register_loader!(OneLoader<StanceByBotAndTopic>);
