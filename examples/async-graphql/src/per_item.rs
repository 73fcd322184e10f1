//! One hand-written statement per item: what the resolvers would run without loaders.

use sqlx::SqlitePool;

use crate::models::{BotStance, Chat, Message};

pub(crate) async fn stances(pool: &SqlitePool, bot_id: i64) -> Result<Vec<BotStance>, sqlx::Error> {
    let rows: Vec<(i64, i64, String, String)> =
        sqlx::query_as("SELECT id, bot_id, topic, stance FROM bot_stances WHERE bot_id = ? ORDER BY id")
            .bind(bot_id)
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().map(|(id, bot_id, topic, stance)| BotStance { id, bot_id, topic, stance }).collect())
}

pub(crate) async fn messages(pool: &SqlitePool, bot_id: i64) -> Result<Vec<Message>, sqlx::Error> {
    let rows: Vec<(i64, i64, i64, String)> =
        sqlx::query_as("SELECT id, chat_id, bot_id, body FROM messages WHERE bot_id = ? ORDER BY id")
            .bind(bot_id)
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().map(|(id, chat_id, bot_id, body)| Message { id, chat_id, bot_id, body }).collect())
}

pub(crate) async fn chat(pool: &SqlitePool, id: i64) -> Result<Option<Chat>, sqlx::Error> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT id, title FROM chats WHERE id = ?").bind(id).fetch_optional(pool).await?;
    Ok(row.map(|(id, title)| Chat { id, title }))
}
