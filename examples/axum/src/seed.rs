//! Deterministic demo data, so the example serves something on its first run and its tests
//! know every answer.

use sqlx::{QueryBuilder, SqlitePool};

/// Inserts `bots` bots, `bot_id % 3` stances per bot, `chats` chats and, in chat `c`,
/// `messages_per_chat` messages written in turn by bots `1..=bots`:
///
/// * bot `b`: name `bot-{b}`, persona `persona {b}`;
/// * stance `n` (`0..b % 3`) of bot `b`: id `b * 10 + n`, topic `topic-{n}`, stance `stance-{b}-{n}`;
/// * chat `c`: title `chat {c}`;
/// * message `m` (`0..messages_per_chat`, at most 1,000) of chat `c`: id `c * 1000 + m`, author
///   `m % bots + 1`, body `message {m} in chat {c}`, created at second `m` of 2026-01-01.
///
/// # Errors
/// Any database error (the tables must exist and be empty).
pub async fn demo(pool: &SqlitePool, bots: i64, chats: i64, messages_per_chat: i64) -> Result<(), sqlx::Error> {
    let bot_ids: Vec<i64> = (1..=bots).collect();
    for chunk in bot_ids.chunks(1_000) {
        let mut insert = QueryBuilder::new("INSERT INTO bots (id, name, persona) ");
        insert.push_values(chunk, |mut row, &id| {
            row.push_bind(id).push_bind(format!("bot-{id}")).push_bind(format!("persona {id}"));
        });
        insert.build().execute(pool).await?;
    }
    let stances: Vec<(i64, i64)> = bot_ids.iter().flat_map(|&bot| (0..bot % 3).map(move |n| (bot, n))).collect();
    for chunk in stances.chunks(1_000) {
        let mut insert = QueryBuilder::new("INSERT INTO bot_stances (id, bot_id, topic, stance, strength) ");
        insert.push_values(chunk, |mut row, &(bot, n)| {
            row.push_bind(bot * 10 + n)
                .push_bind(bot)
                .push_bind(format!("topic-{n}"))
                .push_bind(format!("stance-{bot}-{n}"))
                .push_bind(0.5);
        });
        insert.build().execute(pool).await?;
    }
    for chat in 1..=chats {
        sqlx::query("INSERT INTO chats (id, title) VALUES (?, ?)")
            .bind(chat)
            .bind(format!("chat {chat}"))
            .execute(pool)
            .await?;
        let messages: Vec<i64> = (0..messages_per_chat).collect();
        for chunk in messages.chunks(1_000) {
            let mut insert = QueryBuilder::new("INSERT INTO messages (id, chat_id, bot_id, body, created_at) ");
            insert.push_values(chunk, |mut row, &m| {
                row.push_bind(chat * 1000 + m)
                    .push_bind(chat)
                    .push_bind(m % bots.max(1) + 1)
                    .push_bind(format!("message {m} in chat {chat}"))
                    .push_bind(format!("2026-01-01T00:{:02}:{:02}Z", m / 60 % 60, m % 60));
            });
            insert.build().execute(pool).await?;
        }
    }
    Ok(())
}
