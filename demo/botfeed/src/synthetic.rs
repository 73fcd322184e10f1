//! The synthetic chat-bot workload: "generate a message for a chat", written twice.
//!
//! - [`generate_naive`]: the per-item style of the original behavior engine: the history, then
//!   a query per context message for its author, per speaker for its stances and holdings, and
//!   for the next speaker's profile, stances and holdings: 15-19 statements per message.
//! - [`generate_batched`]: the same logic with batchload loaders: the history joined with its
//!   authors' profiles, stances and holdings of every bot involved through two loaders issued
//!   concurrently (one statement each, cache misses only), the insert: at most 4 statements.
//!
//! Both run the same pure [`choose_cast`] and [`compose`] (from [`crate::logic`], shared with
//! the PostgreSQL crate), so from the same seed and data
//! they write byte-identical messages.

use std::collections::HashMap;

use futures_util::future::try_join;
use sqlx::SqlitePool;

use crate::Error;
use crate::db::timestamp;
use crate::logic::missing;
pub use crate::logic::{
    CONTEXT, Cast, Generated, HISTORY, MAX_SPEAKERS, Person, Step, choose_cast, compose, created_at_seconds, plan,
};
use crate::models::{Bot, BotHolding, BotStance, BotStanceByBotId, HoldingByBotId};

/// The `created_at` text of the message of `step`, after `history` seeded messages.
pub fn created_at(history: i64, step: &Step) -> String {
    timestamp(created_at_seconds(history, step))
}

async fn bot_by_id(pool: &SqlitePool, id: i64) -> Result<Bot, Error> {
    Ok(sqlx::query_as!(Bot, "SELECT id, name, persona FROM bots WHERE id = ?1", id).fetch_one(pool).await?)
}

async fn stances_of(pool: &SqlitePool, bot_id: i64) -> Result<Vec<BotStance>, Error> {
    Ok(sqlx::query_as!(
        BotStance,
        "SELECT id, bot_id, topic, stance, strength, note FROM bot_stances WHERE bot_id = ?1 ORDER BY id",
        bot_id
    )
    .fetch_all(pool)
    .await?)
}

async fn holdings_of(pool: &SqlitePool, bot_id: i64) -> Result<Vec<BotHolding>, Error> {
    Ok(sqlx::query_as!(
        BotHolding,
        "SELECT id, bot_id, symbol, quantity, cost_basis FROM bot_holdings WHERE bot_id = ?1 ORDER BY id",
        bot_id
    )
    .fetch_all(pool)
    .await?)
}

async fn insert_message(pool: &SqlitePool, chat_id: i64, bot_id: i64, body: &str, at: &str) -> Result<i64, Error> {
    let done = sqlx::query!(
        "INSERT INTO messages (chat_id, bot_id, body, created_at) VALUES (?1, ?2, ?3, ?4)",
        chat_id,
        bot_id,
        body,
        at
    )
    .execute(pool)
    .await?;
    Ok(done.last_insert_rowid())
}

/// Generates one message the per-item way (15-19 statements).
///
/// # Errors
/// A database error, or a chat without history.
#[batchload::timed(name = "botfeed::naive", threshold = 3)]
pub async fn generate_naive(pool: &SqlitePool, step: Step, at: String) -> Result<Generated, Error> {
    let history = sqlx::query!(
        "SELECT bot_id, body FROM messages WHERE chat_id = ?1 ORDER BY created_at DESC, id DESC LIMIT 30",
        step.chat_id
    )
    .fetch_all(pool)
    .await?;
    let authors: Vec<i64> = history.iter().map(|row| row.bot_id).collect();
    let cast = choose_cast(&authors, step.pick).ok_or_else(|| missing("history of chat", step.chat_id))?;
    // A query per context message for its author.
    let mut profiles: HashMap<i64, Bot> = HashMap::new();
    for author in &cast.context_authors {
        let bot = bot_by_id(pool, *author).await?;
        profiles.insert(bot.id, bot);
    }
    // Per speaker: stances, holdings.
    let mut details = Vec::new();
    for speaker in &cast.speakers {
        let stances = stances_of(pool, *speaker).await?;
        let holdings = holdings_of(pool, *speaker).await?;
        details.push((*speaker, stances, holdings));
    }
    let next = bot_by_id(pool, cast.next).await?;
    let next_stances = stances_of(pool, cast.next).await?;
    let next_holdings = holdings_of(pool, cast.next).await?;

    let mut speakers = Vec::new();
    for (id, stances, holdings) in &details {
        let bot = profiles.get(id).ok_or_else(|| missing("bot", *id))?;
        speakers.push(Person { bot, stances, holdings });
    }
    let last_body = history.first().map(|row| row.body.as_str()).unwrap_or_default();
    let body = compose(Person { bot: &next, stances: &next_stances, holdings: &next_holdings }, &speakers, last_body);
    let id = insert_message(pool, step.chat_id, cast.next, &body, &at).await?;
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
    pub fn new(pool: &SqlitePool) -> Self {
        Self { stances: BotStanceByBotId::new(pool.clone()), holdings: HoldingByBotId::new(pool.clone()) }
    }
}

/// Generates one message with loaders (at most 4 statements: history with authors, stances,
/// holdings, insert; fewer when the loaders' caches answer).
///
/// # Errors
/// A database error, or a chat without history.
#[batchload::timed(name = "botfeed::batched", max_queries = 4)]
pub async fn generate_batched(
    pool: &SqlitePool,
    loaders: &Loaders,
    step: Step,
    at: String,
) -> Result<Generated, Error> {
    // "Last N messages of a chat" with their authors' profiles: one hand-written statement.
    let history = sqlx::query!(
        r#"SELECT m.bot_id, m.body, b.name, b.persona
           FROM messages AS m JOIN bots AS b ON b.id = m.bot_id
           WHERE m.chat_id = ?1 ORDER BY m.created_at DESC, m.id DESC LIMIT 30"#,
        step.chat_id
    )
    .fetch_all(pool)
    .await?;
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
    let id = insert_message(pool, step.chat_id, cast.next, &body, &at).await?;
    Ok(Generated { id, chat_id: step.chat_id, bot_id: cast.next, body })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_speaker_is_never_the_last_one_when_someone_else_is_there() {
        let cast = choose_cast(&[3, 3, 5, 7, 3, 9], 0).expect("history");
        assert_eq!(cast.speakers, vec![3, 5, 7]);
        assert_ne!(cast.next, 3);
        assert_eq!(choose_cast(&[4], 17).map(|cast| cast.next), Some(4));
        assert_eq!(choose_cast(&[], 1), None);
    }

    #[test]
    fn plans_are_deterministic() {
        assert_eq!(plan(7, 20, 50), plan(7, 20, 50));
        assert_ne!(plan(7, 20, 50), plan(8, 20, 50));
    }
}
