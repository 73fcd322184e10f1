//! The synthetic chat-bot workload: "generate a message for a chat", written twice.
//!
//! - [`generate_naive`]: the per-item style of the original behavior engine: the history, then
//!   a query per context message for its author, per speaker for its stances and holdings, and
//!   for the next speaker's profile, stances and holdings: 15-19 statements per message.
//! - [`generate_batched`]: the same logic with batchload loaders: the history joined with its
//!   authors' profiles, stances and holdings of every bot involved through two loaders issued
//!   concurrently (one statement each, cache misses only), the insert: at most 4 statements.
//!
//! Both run the same pure [`choose_cast`] and [`compose`], so from the same seed and data
//! they write byte-identical messages.

use std::collections::HashMap;
use std::fmt::Write as _;

use futures_util::future::try_join;
use sqlx::SqlitePool;

use crate::Error;
use crate::db::{MESSAGE_SPACING_S, timestamp};
use crate::models::{Bot, BotHolding, BotStance, BotStanceByBotId, HoldingByBotId};

/// Messages of history read per generated message.
pub const HISTORY: usize = 30;
/// Most recent messages whose authors are the conversation context.
pub const CONTEXT: usize = 8;
/// Most distinct recent speakers whose stances and holdings are read.
pub const MAX_SPEAKERS: usize = 3;

/// One message to generate: which chat, and the deterministic choice value for the speaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// Position in the run (0-based); fixes the message's `created_at`.
    pub index: usize,
    /// Chat to write in.
    pub chat_id: i64,
    /// Drives the choice of the next speaker.
    pub pick: u64,
}

/// The steps of a run: deterministic from `seed`.
pub fn plan(seed: u64, messages: usize, chats: i64) -> Vec<Step> {
    let mut rng = fastrand::Rng::with_seed(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(1));
    (0..messages).map(|index| Step { index, chat_id: rng.i64(1..=chats), pick: rng.u64(..) }).collect()
}

/// The `created_at` of the message of `step`, after `history` seeded messages.
pub fn created_at(history: i64, step: &Step) -> String {
    timestamp((history + step.index as i64) * MESSAGE_SPACING_S)
}

/// A generated (and inserted) message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// Its id.
    pub id: i64,
    /// Its chat.
    pub chat_id: i64,
    /// Its author.
    pub bot_id: i64,
    /// Its text.
    pub body: String,
}

impl Generated {
    /// One line: `#id chat/bot: body`.
    pub fn line(&self) -> String {
        format!("#{} chat {} bot {}: {}", self.id, self.chat_id, self.bot_id, self.body)
    }
}

/// Who is in the conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cast {
    /// Authors of the [`CONTEXT`] most recent messages, most recent first (with repeats).
    pub context_authors: Vec<i64>,
    /// Distinct recent speakers, most recent first, at most [`MAX_SPEAKERS`].
    pub speakers: Vec<i64>,
    /// Who speaks next.
    pub next: i64,
}

/// The cast from the chat's history (authors, most recent first) and the step's choice value:
/// the next speaker is one of the history's distinct authors (by id, `pick` modulo their
/// number), never the last speaker when someone else is there.
pub fn choose_cast(history_authors: &[i64], pick: u64) -> Option<Cast> {
    let last = *history_authors.first()?;
    let context_authors: Vec<i64> = history_authors.iter().take(CONTEXT).copied().collect();
    let mut speakers = Vec::new();
    for author in &context_authors {
        if !speakers.contains(author) && speakers.len() < MAX_SPEAKERS {
            speakers.push(*author);
        }
    }
    let mut candidates: Vec<i64> = history_authors.to_vec();
    candidates.sort_unstable();
    candidates.dedup();
    let len = candidates.len() as u64;
    let mut next = candidates[(pick % len) as usize];
    if next == last && len > 1 {
        next = candidates[((pick + 1) % len) as usize];
    }
    Some(Cast { context_authors, speakers, next })
}

/// What is known about one bot when composing.
#[derive(Debug, Clone, Copy)]
pub struct Person<'a> {
    /// Profile.
    pub bot: &'a Bot,
    /// Stances, by id.
    pub stances: &'a [BotStance],
    /// Holdings, by id.
    pub holdings: &'a [BotHolding],
}

/// The message text (a template over the data; deterministic).
pub fn compose(next: Person<'_>, speakers: &[Person<'_>], last_body: &str) -> String {
    let mut text = format!("{}: ", next.bot.name);
    let top = next.stances.iter().max_by(|a, b| a.strength.total_cmp(&b.strength).then(b.id.cmp(&a.id)));
    match top {
        Some(top) => {
            let _ = write!(text, "on {} I'm {} ({:.2})", top.topic, top.stance, top.strength);
        }
        None => text.push_str("no strong views today"),
    }
    if let Some(other) = speakers.iter().find(|person| person.bot.id != next.bot.id) {
        let _ = write!(text, "; @{}", other.bot.name);
        match top.and_then(|top| other.stances.iter().find(|stance| stance.topic == top.topic)) {
            Some(theirs) => {
                let _ = write!(text, " you're {} on it", theirs.stance);
                if let Some(note) = &theirs.note {
                    let _ = write!(text, " ({note})");
                }
            }
            None => text.push_str(" your take?"),
        }
    }
    let biggest = next.holdings.iter().max_by(|a, b| a.quantity.cmp(&b.quantity).then(b.id.cmp(&a.id)));
    if let Some(holding) = biggest {
        let _ = write!(text, "; I hold {} {}", holding.quantity, holding.symbol);
        if let Some(cost) = holding.cost_basis {
            let _ = write!(text, " at {cost:.2}");
        }
        let same = speakers
            .iter()
            .filter(|person| person.bot.id != next.bot.id)
            .filter(|person| person.holdings.iter().any(|held| held.symbol == holding.symbol))
            .count();
        if same > 0 {
            let _ = write!(text, ", like {same} of you");
        }
    }
    let names: Vec<&str> = speakers.iter().map(|person| person.bot.name.as_str()).collect();
    let snippet: String = last_body.chars().take(24).collect();
    let style = next.bot.persona.split_whitespace().next().unwrap_or("bot");
    let _ = write!(text, " (after {}; re: \"{snippet}\") [{style}]", names.join(", "));
    text
}

fn missing(what: &str, id: i64) -> Error {
    Error::Setup(format!("{what} {id} not found"))
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
/// worker), so stances and holdings are cached across messages; a message write touches
/// neither table, so the write evicts nothing from them.
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
