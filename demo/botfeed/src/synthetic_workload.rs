//! The synthetic chat-bot workload, "generate a message for a chat", written twice and once for
//! every backend:
//!
//! - [`generate_naive`]: the per-item style of the original behavior engine: the history, then
//!   a query per context message for its author, per speaker for its stances and holdings, and
//!   for the next speaker's profile, stances and holdings: 15-19 statements per message.
//! - [`generate_batched`]: the same logic with batchload loaders: the history joined with its
//!   authors' profiles, stances and holdings of every bot involved through two loaders issued
//!   concurrently (one statement each, cache misses only), the insert: at most 4 statements.
//!
//! Both run the same pure `choose_cast` and `compose` (`crate::logic`), so from the same seed
//! and data they write byte-identical messages, on every backend.
//!
//! A module of `botfeed` (SQLite) and, through `#[path]`, of `botfeed-postgres` and
//! `botfeed-mysql`. The including module (`synthetic`) provides `Pool` and the statements, each
//! checked against its crate's database: `history` and `history_with_authors` (the last 30
//! messages of a chat, newest first), `bot_by_id`, `stances_of`, `holdings_of` and
//! `insert_message` (returns the new id).

use std::collections::HashMap;

use futures_util::future::try_join;

use super::Pool;
use crate::Error;
use crate::logic::{Generated, Person, Step, choose_cast, compose, missing};
use crate::models::{Bot, BotStanceByBotId, HoldingByBotId};

/// Generates one message the per-item way (15-19 statements): reads through `pool`, the insert
/// through `writer` (the same pool, or on SQLite under load a pool of one connection, so that
/// writers queue in the pool instead of sleeping in SQLite's busy handler); `seconds` after
/// 2026-01-01T00:00:00Z is its `created_at`.
///
/// # Errors
/// A database error, or a chat without history.
#[batchload::timed(name = "botfeed::naive", threshold = 3)]
pub async fn generate_naive(pool: &Pool, writer: &Pool, step: Step, seconds: i64) -> Result<Generated, Error> {
    let history = super::history(pool, step.chat_id).await?;
    let authors: Vec<i64> = history.iter().map(|row| row.bot_id).collect();
    let cast = choose_cast(&authors, step.pick).ok_or_else(|| missing("history of chat", step.chat_id))?;
    // A query per context message for its author.
    let mut profiles: HashMap<i64, Bot> = HashMap::new();
    for author in &cast.context_authors {
        let bot = super::bot_by_id(pool, *author).await?;
        profiles.insert(bot.id, bot);
    }
    // Per speaker: stances, holdings.
    let mut details = Vec::new();
    for speaker in &cast.speakers {
        let stances = super::stances_of(pool, *speaker).await?;
        let holdings = super::holdings_of(pool, *speaker).await?;
        details.push((*speaker, stances, holdings));
    }
    let next = super::bot_by_id(pool, cast.next).await?;
    let next_stances = super::stances_of(pool, cast.next).await?;
    let next_holdings = super::holdings_of(pool, cast.next).await?;

    let mut speakers = Vec::new();
    for (id, stances, holdings) in &details {
        let bot = profiles.get(id).ok_or_else(|| missing("bot", *id))?;
        speakers.push(Person { bot, stances, holdings });
    }
    let last_body = history.first().map(|row| row.body.as_str()).unwrap_or_default();
    let body = compose(Person { bot: &next, stances: &next_stances, holdings: &next_holdings }, &speakers, last_body);
    let id = super::insert_message(writer, step.chat_id, cast.next, &body, seconds).await?;
    Ok(Generated { id, chat_id: step.chat_id, bot_id: cast.next, body })
}

/// The batched engine's loaders. They live for the whole run (the engine is a long-lived
/// worker), so stances and holdings are cached across messages. The keys a write touches are
/// evicted from the loaders that cache them (`clear` / `clear_for_row`); a message write
/// touches only `messages`, which neither loader reads, so it evicts nothing here
/// (`tests/cache_coherence.rs` checks the caches against the database after the writes). The
/// history is read fresh by one hand-written statement every time: cached per chat, it would
/// be evicted by the very write that follows it.
#[derive(Debug, Clone)]
pub struct Loaders {
    /// Stances by bot.
    pub stances: BotStanceByBotId,
    /// Holdings by bot.
    pub holdings: HoldingByBotId,
}

impl Loaders {
    /// Loaders over `pool`.
    pub fn new(pool: &Pool) -> Self {
        Self { stances: BotStanceByBotId::new(pool.clone()), holdings: HoldingByBotId::new(pool.clone()) }
    }
}

/// Generates one message with loaders (at most 4 statements: history with authors, stances,
/// holdings, insert; fewer when the loaders' caches answer); `writer` and `seconds` as for
/// [`generate_naive`].
///
/// # Errors
/// A database error, or a chat without history.
#[batchload::timed(name = "botfeed::batched", max_queries = 4)]
pub async fn generate_batched(
    pool: &Pool,
    writer: &Pool,
    loaders: &Loaders,
    step: Step,
    seconds: i64,
) -> Result<Generated, Error> {
    // "Last N messages of a chat" with their authors' profiles: one hand-written statement.
    let history = super::history_with_authors(pool, step.chat_id).await?;
    let authors: Vec<i64> = history.iter().map(|row| row.bot_id).collect();
    let cast = choose_cast(&authors, step.pick).ok_or_else(|| missing("history of chat", step.chat_id))?;
    let mut profiles: HashMap<i64, Bot> = HashMap::new();
    for row in &history {
        profiles.entry(row.bot_id).or_insert_with(|| Bot {
            id: row.bot_id,
            name: row.name.clone(),
            persona: row.persona.clone(),
        });
    }
    let mut ids = cast.speakers.clone();
    if !ids.contains(&cast.next) {
        ids.push(cast.next);
    }
    // Two loaders, issued concurrently: one statement each (none when cached).
    let (stances, holdings) =
        try_join(loaders.stances.load_many(ids.iter().copied()), loaders.holdings.load_many(ids.iter().copied()))
            .await?;
    let person = |id: i64| -> Result<Person<'_>, Error> {
        Ok(Person {
            bot: profiles.get(&id).ok_or_else(|| missing("bot", id))?,
            stances: stances.get(&id).map(Vec::as_slice).unwrap_or_default(),
            holdings: holdings.get(&id).map(Vec::as_slice).unwrap_or_default(),
        })
    };
    let speakers = cast.speakers.iter().map(|id| person(*id)).collect::<Result<Vec<_>, _>>()?;
    let last_body = history.first().map(|row| row.body.as_str()).unwrap_or_default();
    let body = compose(person(cast.next)?, &speakers, last_body);
    let id = super::insert_message(writer, step.chat_id, cast.next, &body, seconds).await?;
    Ok(Generated { id, chat_id: step.chat_id, bot_id: cast.next, body })
}
