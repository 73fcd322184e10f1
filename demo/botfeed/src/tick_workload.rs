//! The `tick` workload, one engine tick per operation: a message in each of the tick's chats
//! (K distinct chats, [`TICK_CHATS`](crate::logic::TICK_CHATS) by default), written twice and
//! once for every backend:
//!
//! - [`tick_naive`]: a statement per item: per chat its history, its members (the
//!   many-to-many through `chat_members`), the stances and the holdings of each participant
//!   (the next speaker and [`TICK_OTHERS`](crate::logic::TICK_OTHERS) others when the chat has
//!   them), the insert: 11 statements per chat, `11 * K` per tick.
//! - [`tick_batched`]: the same logic with loaders that live for the tick: the histories of
//!   every chat through the top-N loader `MessageByChatId` and their members through the
//!   many-to-many `MembersByChatId` (issued concurrently), the stances and holdings of every
//!   participant (concurrently), one insert of every message: 5 statements per tick whatever
//!   K (the budget is 8).
//!
//! Both run the same pure `tick_cast` and `compose` (`crate::logic`), in the tick's chat order,
//! so from the same data they write byte-identical messages with the same ids.
//!
//! A module of `botfeed` (SQLite) and, through `#[path]`, of `botfeed-postgres` and
//! `botfeed-mysql`. The including module (`synthetic`) provides `Pool` and the statements:
//! `history`, `members_of` (a chat's members, in the chat's order), `stances_of`,
//! `holdings_of`, `insert_message` and `insert_messages` (several messages in one statement,
//! returning `(chat_id, id)` for each: a tick writes one message per chat).

use std::collections::HashMap;

use futures_util::future::try_join;

use super::Pool;
use crate::Error;
use crate::logic::{Generated, Person, Tick, compose, created_at_seconds, missing, tick_cast};
use crate::models::{Bot, BotStanceByBotId, HoldingByBotId, MembersByChatId, MessageByChatId};

/// A message a tick writes, before its insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// Its chat.
    pub chat_id: i64,
    /// Its author.
    pub bot_id: i64,
    /// Its text.
    pub body: String,
    /// Its `created_at`, seconds after 2026-01-01T00:00:00Z.
    pub seconds: i64,
}

/// A participant's profile, from the chat's members.
fn profile(members: &[Bot], id: i64, chat_id: i64) -> Result<&Bot, Error> {
    members.iter().find(|bot| bot.id == id).ok_or_else(|| missing(&format!("member of chat {chat_id}: bot"), id))
}

/// Runs one tick the per-item way (11 statements per chat when each chat has at least 4
/// members); `history` is the number of messages written before the run's first message (it
/// fixes `created_at`, as in the `botfeed` workload).
///
/// # Errors
/// A database error, or a chat without history or members.
#[batchload::timed(name = "tick::naive", threshold = 3)]
pub async fn tick_naive(pool: &Pool, tick: &Tick, history: i64) -> Result<Vec<Generated>, Error> {
    let mut written = Vec::with_capacity(tick.steps.len());
    for step in &tick.steps {
        let lines = super::history(pool, step.chat_id).await?;
        let members = super::members_of(pool, step.chat_id).await?;
        let authors: Vec<i64> = lines.iter().map(|row| row.bot_id).collect();
        let ids: Vec<i64> = members.iter().map(|bot| bot.id).collect();
        let cast = tick_cast(&authors, &ids, step.pick).ok_or_else(|| missing("members of chat", step.chat_id))?;
        let mut details = Vec::new();
        for id in cast.participants() {
            let stances = super::stances_of(pool, id).await?;
            let holdings = super::holdings_of(pool, id).await?;
            details.push((profile(&members, id, step.chat_id)?, stances, holdings));
        }
        let people: Vec<Person<'_>> = details
            .iter()
            .map(|(bot, stances, holdings)| Person { bot, stances: stances.as_slice(), holdings: holdings.as_slice() })
            .collect();
        let last_body = lines.first().map(|row| row.body.as_str()).unwrap_or_default();
        let body = compose(people[0], &people[1..], last_body);
        let seconds = created_at_seconds(history, step);
        let id = super::insert_message(pool, step.chat_id, cast.next, &body, seconds).await?;
        written.push(Generated { id, chat_id: step.chat_id, bot_id: cast.next, body });
    }
    Ok(written)
}

/// Runs one tick with loaders (5 statements whatever the number of chats: histories, members,
/// stances, holdings, insert). The loaders are the tick's own: a tick is one unit of work, and
/// the histories it reads are stale once it writes; `history` as for [`tick_naive`].
///
/// # Errors
/// A database error, or a chat without history or members.
#[batchload::timed(name = "tick::batched", max_queries = 8)]
pub async fn tick_batched(pool: &Pool, tick: &Tick, history: i64) -> Result<Vec<Generated>, Error> {
    let chats: Vec<i64> = tick.steps.iter().map(|step| step.chat_id).collect();
    // The top-N loader and the many-to-many, issued concurrently: one statement each.
    let (histories, members) = try_join(
        MessageByChatId::new(pool.clone()).load_many(chats.iter().copied()),
        MembersByChatId::new(pool.clone()).load_many(chats.iter().copied()),
    )
    .await?;
    let none = Vec::new();
    let mut casts = Vec::with_capacity(tick.steps.len());
    for step in &tick.steps {
        let lines = histories.get(&step.chat_id).unwrap_or(&none);
        let ids: Vec<i64> =
            members.get(&step.chat_id).map(|bots| bots.iter().map(|bot| bot.id).collect()).unwrap_or_default();
        let authors: Vec<i64> = lines.iter().map(|row| row.bot_id).collect();
        casts.push(tick_cast(&authors, &ids, step.pick).ok_or_else(|| missing("members of chat", step.chat_id))?);
    }
    // Every participant of every chat: one statement per loader.
    let mut everyone: Vec<i64> = casts.iter().flat_map(|cast| cast.participants()).collect();
    everyone.sort_unstable();
    everyone.dedup();
    let (stances, holdings) = try_join(
        BotStanceByBotId::new(pool.clone()).load_many(everyone.iter().copied()),
        HoldingByBotId::new(pool.clone()).load_many(everyone.iter().copied()),
    )
    .await?;
    let mut messages = Vec::with_capacity(tick.steps.len());
    for (step, cast) in tick.steps.iter().zip(&casts) {
        let chat_members = members.get(&step.chat_id).map(Vec::as_slice).unwrap_or_default();
        let people = cast
            .participants()
            .into_iter()
            .map(|id| {
                Ok(Person {
                    bot: profile(chat_members, id, step.chat_id)?,
                    stances: stances.get(&id).map(Vec::as_slice).unwrap_or_default(),
                    holdings: holdings.get(&id).map(Vec::as_slice).unwrap_or_default(),
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let last_body = histories.get(&step.chat_id).and_then(|lines| lines.first()).map(|row| row.body.as_str());
        let body = compose(people[0], &people[1..], last_body.unwrap_or_default());
        let seconds = created_at_seconds(history, step);
        messages.push(NewMessage { chat_id: step.chat_id, bot_id: cast.next, body, seconds });
    }
    let ids = super::insert_messages(pool, &messages).await?;
    let by_chat: HashMap<i64, i64> = ids.into_iter().collect();
    messages
        .into_iter()
        .map(|message| {
            let id =
                *by_chat.get(&message.chat_id).ok_or_else(|| missing("inserted message of chat", message.chat_id))?;
            Ok(Generated { id, chat_id: message.chat_id, bot_id: message.bot_id, body: message.body })
        })
        .collect()
}
