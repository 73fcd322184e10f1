//! An async-graphql schema on batchload's demo schema (`migrations/sqlite`) whose list fields
//! resolve their children through batchload loaders taken from the request's context data.
//!
//! ```graphql
//! { bots(first: 50) { id name stances { topic stance } messages { id body chat { id title } } } }
//! ```
//!
//! runs 4 statements with [`Source::Batchload`]: the bots, then one per list field of the
//! next levels (all the stances, all the messages, all their chats), whatever the number of
//! bots. Each resolver calls `load(key)` for its own item; async-graphql polls the resolvers of
//! a list together, so their loads join one batch. (A resolver must not call `load_many` for
//! its single key: `load_many` dispatches at once, one statement per call.)
//!
//! Loaders are made per request ([`Source::batchload`], passed with [`request`]): their cache
//! then lives as long as the request. The same schema also resolves through
//! [`Source::PerItem`] (one statement per item: the N+1 version) and [`Source::DataLoader`]
//! (async-graphql's own `DataLoader` over the same batchload statements), so the tests compare
//! the three on one query.

pub mod models;
mod per_item;
pub mod seed;

use std::collections::HashMap;

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, EmptyMutation, EmptySubscription, Object, Schema};
use batchload::LoaderOptions;
use sqlx::SqlitePool;
use tracing::Instrument;

use models::{Bot, BotStance, BotStanceByBotId, Chat, ChatById, Message, MessageByBotId};

/// The demo schema's migrations (the repository's `migrations/sqlite`).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");

/// The schema type: queries only.
pub type BotSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// The schema (build it once; it holds no per-request state).
pub fn schema() -> BotSchema {
    Schema::build(Query, EmptyMutation, EmptySubscription).finish()
}

/// A request for `query` whose resolvers read `pool` through `source`.
pub fn request(query: &str, pool: &SqlitePool, source: Source) -> async_graphql::Request {
    async_graphql::Request::new(query).data(pool.clone()).data(source)
}

/// How the resolvers of one request fetch children.
pub enum Source {
    /// batchload loaders made for this request: one statement per list field per level.
    Batchload(Loaders),
    /// One hand-written statement per item (the N+1 the loaders remove); same answers.
    PerItem(SqlitePool),
    /// async-graphql's `DataLoader` (default 1 ms delay, no cache) over the same batchload
    /// statements, called through `load_many`.
    DataLoader(DataLoaders),
}

impl Source {
    /// Fresh batchload loaders on `pool`.
    pub fn batchload(pool: &SqlitePool) -> Self {
        Self::Batchload(Loaders {
            stances: BotStanceByBotId::new(pool.clone()),
            messages: MessageByBotId::new(pool.clone()),
            chat: ChatById::new(pool.clone()),
        })
    }

    /// Fresh async-graphql `DataLoader`s on `pool`. Their batches run on tasks spawned with
    /// `in_current_span()`, so `#[timed]` operations count their statements (a plain
    /// `tokio::spawn` would leave them outside any operation).
    pub fn dataloader(pool: &SqlitePool) -> Self {
        // The inner loaders only run statements: no cache, every key list sent as given.
        let options = || LoaderOptions::new().cache(false);
        let spawn = |future: async_graphql::futures_util::future::BoxFuture<'static, ()>| {
            tokio::spawn(future.in_current_span())
        };
        Self::DataLoader(DataLoaders {
            stances: DataLoader::new(ViaLoadMany(BotStanceByBotId::with_options(pool.clone(), options())), spawn),
            messages: DataLoader::new(ViaLoadMany(MessageByBotId::with_options(pool.clone(), options())), spawn),
            chat: DataLoader::new(ViaLoadMany(ChatById::with_options(pool.clone(), options())), spawn),
        })
    }
}

/// The batchload loaders of one request.
pub struct Loaders {
    /// `bot_stances` by `bot_id`.
    pub stances: BotStanceByBotId,
    /// `messages` by `bot_id`.
    pub messages: MessageByBotId,
    /// `chats` by `id`.
    pub chat: ChatById,
}

/// async-graphql's `DataLoader`s of one request, over the same statements.
pub struct DataLoaders {
    /// `bot_stances` by `bot_id`.
    pub stances: DataLoader<ViaLoadMany<BotStanceByBotId>>,
    /// `messages` by `bot_id`.
    pub messages: DataLoader<ViaLoadMany<MessageByBotId>>,
    /// `chats` by `id`.
    pub chat: DataLoader<ViaLoadMany<ChatById>>,
}

/// An async-graphql `Loader` that sends each key list it is given as one batchload
/// `load_many` (the loader's statement, once per list).
pub struct ViaLoadMany<L>(pub L);

impl async_graphql::dataloader::Loader<i64> for ViaLoadMany<BotStanceByBotId> {
    type Value = Vec<BotStance>;
    type Error = batchload::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Vec<BotStance>>, batchload::Error> {
        self.0.load_many(keys.iter().copied()).await
    }
}

impl async_graphql::dataloader::Loader<i64> for ViaLoadMany<MessageByBotId> {
    type Value = Vec<Message>;
    type Error = batchload::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Vec<Message>>, batchload::Error> {
        self.0.load_many(keys.iter().copied()).await
    }
}

impl async_graphql::dataloader::Loader<i64> for ViaLoadMany<ChatById> {
    type Value = Chat;
    type Error = batchload::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Chat>, batchload::Error> {
        self.0.load_many(keys.iter().copied()).await
    }
}

/// The root query.
pub struct Query;

#[Object]
impl Query {
    /// The first `first` bots by id (one hand-written statement).
    async fn bots(&self, ctx: &Context<'_>, #[graphql(default = 50)] first: i64) -> async_graphql::Result<Vec<Bot>> {
        let pool = ctx.data::<SqlitePool>()?;
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, name FROM bots ORDER BY id LIMIT ?").bind(first).fetch_all(pool).await?;
        Ok(rows.into_iter().map(|(id, name)| Bot { id, name }).collect())
    }
}

#[Object]
impl Bot {
    /// Primary key.
    async fn id(&self) -> i64 {
        self.id
    }

    /// Display name.
    async fn name(&self) -> &str {
        &self.name
    }

    /// The bot's stances, by id.
    async fn stances(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<BotStance>> {
        Ok(match ctx.data::<Source>()? {
            Source::Batchload(loaders) => loaders.stances.load(self.id).await?,
            Source::PerItem(pool) => per_item::stances(pool, self.id).await?,
            Source::DataLoader(loaders) => loaders.stances.load_one(self.id).await?.unwrap_or_default(),
        })
    }

    /// The bot's messages, by id.
    async fn messages(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Message>> {
        Ok(match ctx.data::<Source>()? {
            Source::Batchload(loaders) => loaders.messages.load(self.id).await?,
            Source::PerItem(pool) => per_item::messages(pool, self.id).await?,
            Source::DataLoader(loaders) => loaders.messages.load_one(self.id).await?.unwrap_or_default(),
        })
    }
}

#[Object]
impl BotStance {
    /// Topic.
    async fn topic(&self) -> &str {
        &self.topic
    }

    /// Stance text.
    async fn stance(&self) -> &str {
        &self.stance
    }
}

#[Object]
impl Message {
    /// Primary key.
    async fn id(&self) -> i64 {
        self.id
    }

    /// Message text.
    async fn body(&self) -> &str {
        &self.body
    }

    /// The chat it was posted in.
    async fn chat(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Chat>> {
        Ok(match ctx.data::<Source>()? {
            Source::Batchload(loaders) => loaders.chat.load(self.chat_id).await?,
            Source::PerItem(pool) => per_item::chat(pool, self.chat_id).await?,
            Source::DataLoader(loaders) => loaders.chat.load_one(self.chat_id).await?,
        })
    }
}

#[Object]
impl Chat {
    /// Primary key.
    async fn id(&self) -> i64 {
        self.id
    }

    /// Title.
    async fn title(&self) -> &str {
        &self.title
    }
}
