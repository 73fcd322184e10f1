//! The synthetic chat-bot workload on SQLite: the shared workload (`synthetic_workload.rs`, also
//! compiled by `botfeed-postgres` and `botfeed-mysql`; see there for the naive and batched
//! versions) over the statements below, checked against SQLite.

use sqlx::SqlitePool;

use crate::Error;
use crate::db::timestamp;
pub use crate::logic::{
    CONTEXT, Cast, Generated, HISTORY, MAX_SPEAKERS, Person, Step, TICK_CHATS, Tick, choose_cast, compose,
    created_at_seconds, plan, tick_plan,
};
use crate::logic::{HistoryLine, HistoryWithAuthor};
use crate::models::{Bot, BotHolding, BotStance};

/// The pool the workload runs on.
pub type Pool = SqlitePool;

#[path = "synthetic_workload.rs"]
mod workload;

pub use workload::{Loaders, generate_batched, generate_naive};

#[path = "tick_workload.rs"]
mod tick;

pub use tick::{NewMessage, tick_batched, tick_naive};

async fn history(pool: &Pool, chat_id: i64) -> Result<Vec<HistoryLine>, Error> {
    Ok(sqlx::query_as!(
        HistoryLine,
        "SELECT bot_id, body FROM messages WHERE chat_id = ?1 ORDER BY created_at DESC, id DESC LIMIT 30",
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
           WHERE m.chat_id = ?1 ORDER BY m.created_at DESC, m.id DESC LIMIT 30"#,
        chat_id
    )
    .fetch_all(pool)
    .await?)
}

async fn members_of(pool: &Pool, chat_id: i64) -> Result<Vec<Bot>, Error> {
    Ok(sqlx::query_as!(
        Bot,
        "SELECT b.id, b.name, b.persona FROM chat_members AS m JOIN bots AS b ON b.id = m.bot_id WHERE m.chat_id = ?1 ORDER BY m.position, b.id",
        chat_id
    )
    .fetch_all(pool)
    .await?)
}

async fn bot_by_id(pool: &Pool, id: i64) -> Result<Bot, Error> {
    Ok(sqlx::query_as!(Bot, "SELECT id, name, persona FROM bots WHERE id = ?1", id).fetch_one(pool).await?)
}

async fn stances_of(pool: &Pool, bot_id: i64) -> Result<Vec<BotStance>, Error> {
    Ok(sqlx::query_as!(
        BotStance,
        "SELECT id, bot_id, topic, stance, strength, note FROM bot_stances WHERE bot_id = ?1 ORDER BY id",
        bot_id
    )
    .fetch_all(pool)
    .await?)
}

async fn holdings_of(pool: &Pool, bot_id: i64) -> Result<Vec<BotHolding>, Error> {
    Ok(sqlx::query_as!(
        BotHolding,
        "SELECT id, bot_id, symbol, quantity, cost_basis FROM bot_holdings WHERE bot_id = ?1 ORDER BY id",
        bot_id
    )
    .fetch_all(pool)
    .await?)
}

async fn insert_message(pool: &Pool, chat_id: i64, bot_id: i64, body: &str, seconds: i64) -> Result<i64, Error> {
    let at = timestamp(seconds);
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

/// Inserts `messages` in one statement, in order (`json_each` over a JSON array of
/// `[chat_id, bot_id, body, created_at]`); returns `(chat_id, id)` per message.
async fn insert_messages(pool: &Pool, messages: &[NewMessage]) -> Result<Vec<(i64, i64)>, Error> {
    let rows: Vec<serde_json::Value> = messages
        .iter()
        .map(|message| serde_json::json!([message.chat_id, message.bot_id, message.body, timestamp(message.seconds)]))
        .collect();
    let rows = serde_json::Value::Array(rows).to_string();
    let inserted = sqlx::query!(
        r#"INSERT INTO messages (chat_id, bot_id, body, created_at)
           SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),
                  json_extract(value, '$[3]')
           FROM json_each(?1) ORDER BY key
           RETURNING id AS "id!: i64", chat_id AS "chat_id!: i64""#,
        rows
    )
    .fetch_all(pool)
    .await?;
    Ok(inserted.into_iter().map(|row| (row.chat_id, row.id)).collect())
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
    fn a_tick_cast_has_a_member_speaking_next_and_three_others() {
        use crate::logic::{TickCast, tick_cast};
        let members = [5, 6, 7, 8, 9];
        // Member 1 (6) speaks next; the others: recent authors first (7, 5), then members in order (8).
        let cast = tick_cast(&[7, 7, 5, 6], &members, 1).expect("members");
        assert_eq!(cast, TickCast { next: 6, others: vec![7, 5, 8] });
        assert_eq!(cast.participants(), vec![6, 7, 5, 8]);
        // Never the last speaker when someone else is a member: 7 is next in line after it.
        assert_eq!(tick_cast(&[7, 5], &members, 2).map(|cast| cast.next), Some(8));
        // No history: members only; one member: it speaks, alone.
        assert_eq!(tick_cast(&[], &members, 0), Some(TickCast { next: 5, others: vec![6, 7, 8] }));
        assert_eq!(tick_cast(&[4], &[4], 3), Some(TickCast { next: 4, others: vec![] }));
        assert_eq!(tick_cast(&[4], &[], 3), None);
    }

    #[test]
    fn a_tick_plan_has_distinct_chats_and_numbers_its_messages_on() {
        let ticks = tick_plan(7, 3, 4, 10, 100);
        assert_eq!(ticks, tick_plan(7, 3, 4, 10, 100), "deterministic");
        assert_eq!(ticks.iter().map(|tick| tick.index).collect::<Vec<_>>(), [0, 1, 2]);
        let indexes: Vec<usize> = ticks.iter().flat_map(|tick| tick.steps.iter().map(|step| step.index)).collect();
        assert_eq!(indexes, (100..112).collect::<Vec<_>>());
        for tick in &ticks {
            let mut chats: Vec<i64> = tick.steps.iter().map(|step| step.chat_id).collect();
            chats.sort_unstable();
            chats.dedup();
            assert_eq!(chats.len(), 4, "distinct chats: {tick:?}");
            assert!(chats.iter().all(|chat| (1..=10).contains(chat)));
        }
        // More chats asked than there are: every chat, once.
        let all = tick_plan(7, 1, 50, 6, 0);
        let mut chats: Vec<i64> = all[0].steps.iter().map(|step| step.chat_id).collect();
        chats.sort_unstable();
        assert_eq!(chats, [1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn plans_are_deterministic() {
        assert_eq!(plan(7, 20, 50), plan(7, 20, 50));
        assert_ne!(plan(7, 20, 50), plan(8, 20, 50));
    }
}
