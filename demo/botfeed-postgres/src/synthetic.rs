//! The synthetic chat-bot workload on PostgreSQL: the shared workload
//! (`demo/botfeed/src/synthetic_workload.rs`; see there for the naive and batched versions)
//! over the statements below, checked against PostgreSQL.

pub use crate::logic::{Generated, Step, Tick, created_at_seconds, plan, tick_plan};
use crate::logic::{HistoryLine, HistoryWithAuthor};
use crate::models::{Bot, BotHolding, BotStance};
use crate::{Error, timestamp};

/// The pool the workload runs on.
pub type Pool = sqlx::PgPool;

#[path = "../../botfeed/src/synthetic_workload.rs"]
mod workload;

pub use workload::{Loaders, generate_batched, generate_naive};

#[path = "../../botfeed/src/tick_workload.rs"]
mod tick;

pub use tick::{NewMessage, tick_batched, tick_naive};

async fn history(pool: &Pool, chat_id: i64) -> Result<Vec<HistoryLine>, Error> {
    Ok(sqlx::query_as!(
        HistoryLine,
        "SELECT bot_id, body FROM messages WHERE chat_id = $1 ORDER BY created_at DESC, id DESC LIMIT 30",
        chat_id
    )
    .fetch_all(pool)
    .await?)
}

async fn history_with_authors(pool: &Pool, chat_id: i64) -> Result<Vec<HistoryWithAuthor>, Error> {
    Ok(sqlx::query_as!(
        HistoryWithAuthor,
        r#"SELECT m.bot_id, m.body, b.name, b.persona
           FROM messages AS m JOIN bots AS b ON b.id = m.bot_id
           WHERE m.chat_id = $1 ORDER BY m.created_at DESC, m.id DESC LIMIT 30"#,
        chat_id
    )
    .fetch_all(pool)
    .await?)
}

async fn members_of(pool: &Pool, chat_id: i64) -> Result<Vec<Bot>, Error> {
    Ok(sqlx::query_as!(
        Bot,
        "SELECT b.id, b.name, b.persona FROM chat_members AS m JOIN bots AS b ON b.id = m.bot_id WHERE m.chat_id = $1 ORDER BY m.position, b.id",
        chat_id
    )
    .fetch_all(pool)
    .await?)
}

async fn bot_by_id(pool: &Pool, id: i64) -> Result<Bot, Error> {
    Ok(sqlx::query_as!(Bot, "SELECT id, name, persona FROM bots WHERE id = $1", id).fetch_one(pool).await?)
}

async fn stances_of(pool: &Pool, bot_id: i64) -> Result<Vec<BotStance>, Error> {
    Ok(sqlx::query_as!(
        BotStance,
        "SELECT id, bot_id, topic, stance, strength, note FROM bot_stances WHERE bot_id = $1 ORDER BY id",
        bot_id
    )
    .fetch_all(pool)
    .await?)
}

async fn holdings_of(pool: &Pool, bot_id: i64) -> Result<Vec<BotHolding>, Error> {
    Ok(sqlx::query_as!(
        BotHolding,
        "SELECT id, bot_id, symbol, quantity, cost_basis FROM bot_holdings WHERE bot_id = $1 ORDER BY id",
        bot_id
    )
    .fetch_all(pool)
    .await?)
}

async fn insert_message(pool: &Pool, chat_id: i64, bot_id: i64, body: &str, seconds: i64) -> Result<i64, Error> {
    Ok(sqlx::query_scalar!(
        "INSERT INTO messages (chat_id, bot_id, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        chat_id,
        bot_id,
        body,
        timestamp(seconds)
    )
    .fetch_one(pool)
    .await?)
}

/// Inserts `messages` in one statement, in order (`UNNEST` of one array per column, `WITH
/// ORDINALITY` keeping the order); returns `(chat_id, id)` per message.
async fn insert_messages(pool: &Pool, messages: &[NewMessage]) -> Result<Vec<(i64, i64)>, Error> {
    let chats: Vec<i64> = messages.iter().map(|message| message.chat_id).collect();
    let bots: Vec<i64> = messages.iter().map(|message| message.bot_id).collect();
    let bodies: Vec<String> = messages.iter().map(|message| message.body.clone()).collect();
    let times: Vec<crate::Timestamp> = messages.iter().map(|message| timestamp(message.seconds)).collect();
    let inserted = sqlx::query!(
        r#"INSERT INTO messages (chat_id, bot_id, body, created_at)
           SELECT r.chat_id, r.bot_id, r.body, r.created_at
           FROM UNNEST($1::BIGINT[], $2::BIGINT[], $3::TEXT[], $4::TIMESTAMPTZ[])
                WITH ORDINALITY AS r (chat_id, bot_id, body, created_at, n)
           ORDER BY r.n
           RETURNING id, chat_id"#,
        &chats,
        &bots,
        &bodies,
        &times
    )
    .fetch_all(pool)
    .await?;
    Ok(inserted.into_iter().map(|row| (row.chat_id, row.id)).collect())
}
