//! The synthetic chat-bot workload on MySQL: the shared workload
//! (`demo/botfeed/src/synthetic_workload.rs`; see there for the naive and batched versions)
//! over the statements below, checked against MySQL.

pub use crate::logic::{Generated, Step, Tick, created_at_seconds, plan, tick_plan};
use crate::logic::{HistoryLine, HistoryWithAuthor};
use crate::models::{Bot, BotHolding, BotStance};
use crate::{Error, timestamp};

/// The pool the workload runs on.
pub type Pool = sqlx::MySqlPool;

#[path = "../../botfeed/src/synthetic_workload.rs"]
mod workload;

pub use workload::{Loaders, generate_batched, generate_naive};

#[path = "../../botfeed/src/tick_workload.rs"]
mod tick;

pub use tick::{NewMessage, tick_batched, tick_naive};

async fn history(pool: &Pool, chat_id: i64) -> Result<Vec<HistoryLine>, Error> {
    Ok(sqlx::query_as!(
        HistoryLine,
        "SELECT bot_id, body FROM messages WHERE chat_id = ? ORDER BY created_at DESC, id DESC LIMIT 30",
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
           WHERE m.chat_id = ? ORDER BY m.created_at DESC, m.id DESC LIMIT 30"#,
        chat_id
    )
    .fetch_all(pool)
    .await?)
}

async fn members_of(pool: &Pool, chat_id: i64) -> Result<Vec<Bot>, Error> {
    Ok(sqlx::query_as!(
        Bot,
        "SELECT b.id, b.name, b.persona FROM chat_members AS m JOIN bots AS b ON b.id = m.bot_id WHERE m.chat_id = ? ORDER BY m.position, b.id",
        chat_id
    )
    .fetch_all(pool)
    .await?)
}

async fn bot_by_id(pool: &Pool, id: i64) -> Result<Bot, Error> {
    Ok(sqlx::query_as!(Bot, "SELECT id, name, persona FROM bots WHERE id = ?", id).fetch_one(pool).await?)
}

async fn stances_of(pool: &Pool, bot_id: i64) -> Result<Vec<BotStance>, Error> {
    Ok(sqlx::query_as!(
        BotStance,
        "SELECT id, bot_id, topic, stance, strength, note FROM bot_stances WHERE bot_id = ? ORDER BY id",
        bot_id
    )
    .fetch_all(pool)
    .await?)
}

async fn holdings_of(pool: &Pool, bot_id: i64) -> Result<Vec<BotHolding>, Error> {
    Ok(sqlx::query_as!(
        BotHolding,
        "SELECT id, bot_id, symbol, quantity, cost_basis FROM bot_holdings WHERE bot_id = ? ORDER BY id",
        bot_id
    )
    .fetch_all(pool)
    .await?)
}

async fn insert_message(pool: &Pool, chat_id: i64, bot_id: i64, body: &str, seconds: i64) -> Result<i64, Error> {
    let done = sqlx::query!(
        "INSERT INTO messages (chat_id, bot_id, body, created_at) VALUES (?, ?, ?, ?)",
        chat_id,
        bot_id,
        body,
        timestamp(seconds)
    )
    .execute(pool)
    .await?;
    i64::try_from(done.last_insert_id()).map_err(|_| Error::Setup("message id out of range".into()))
}

/// Inserts `messages` in one multi-row `INSERT ... VALUES` (built with `sqlx::QueryBuilder`:
/// the row count varies, so the text is not checked by sqlx at compile time; the columns and
/// types are those of `insert_message`); returns `(chat_id, id)` per message. MySQL has no
/// `RETURNING`: the ids are the statement's first id (`LAST_INSERT_ID()`) and the ones after
/// it, in row order. InnoDB allocates a "simple insert" (row count known up front) exactly
/// that many consecutive ids in every lock mode, without the gaps an `INSERT ... SELECT`
/// leaves (it reserves ids in growing blocks), as long as no other insert into `messages` runs
/// at the same time, as in botfeed's sequential runs (see docs/decisions.md).
async fn insert_messages(pool: &Pool, messages: &[NewMessage]) -> Result<Vec<(i64, i64)>, Error> {
    if messages.is_empty() {
        return Ok(Vec::new());
    }
    let mut insert =
        sqlx::QueryBuilder::<sqlx::MySql>::new("INSERT INTO messages (chat_id, bot_id, body, created_at) ");
    insert.push_values(messages, |mut row, message| {
        row.push_bind(message.chat_id)
            .push_bind(message.bot_id)
            .push_bind(message.body.clone())
            .push_bind(timestamp(message.seconds));
    });
    let done = insert.build().execute(pool).await?;
    let first = i64::try_from(done.last_insert_id()).map_err(|_| Error::Setup("message id out of range".into()))?;
    if done.rows_affected() != messages.len() as u64 {
        return Err(Error::Setup(format!("inserted {} of {} messages", done.rows_affected(), messages.len())));
    }
    Ok(messages.iter().zip(first..).map(|(message, id)| (message.chat_id, id)).collect())
}
