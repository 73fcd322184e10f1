//! Deterministic demo data for the schema's tests.

use sqlx::{QueryBuilder, SqlitePool};

/// Inserts 5 chats (`chat {c}`), bots `1..=bots` (`bot-{b}`), and for bot `b`: `b % 3` stances
/// (id `b * 10 + n`, topic `topic-{n}`, stance `stance-{b}-{n}`) and `b % 4` messages (id
/// `b * 10 + n`, body `message {n} of bot {b}`, in chat `(b + n) % 5 + 1`).
///
/// # Errors
/// Any database error (the tables must exist and be empty).
pub async fn demo(pool: &SqlitePool, bots: i64) -> Result<(), sqlx::Error> {
    let mut chats = QueryBuilder::new("INSERT INTO chats (id, title) ");
    chats.push_values(1..=5_i64, |mut row, id| {
        row.push_bind(id).push_bind(format!("chat {id}"));
    });
    chats.build().execute(pool).await?;
    let ids: Vec<i64> = (1..=bots).collect();
    for chunk in ids.chunks(500) {
        let mut insert = QueryBuilder::new("INSERT INTO bots (id, name, persona) ");
        insert.push_values(chunk, |mut row, &id| {
            row.push_bind(id).push_bind(format!("bot-{id}")).push_bind(format!("persona {id}"));
        });
        insert.build().execute(pool).await?;
        let stances: Vec<(i64, i64)> = chunk.iter().flat_map(|&b| (0..b % 3).map(move |n| (b, n))).collect();
        if !stances.is_empty() {
            let mut insert = QueryBuilder::new("INSERT INTO bot_stances (id, bot_id, topic, stance, strength) ");
            insert.push_values(stances, |mut row, (b, n)| {
                row.push_bind(b * 10 + n)
                    .push_bind(b)
                    .push_bind(format!("topic-{n}"))
                    .push_bind(format!("stance-{b}-{n}"))
                    .push_bind(0.5);
            });
            insert.build().execute(pool).await?;
        }
        let messages: Vec<(i64, i64)> = chunk.iter().flat_map(|&b| (0..b % 4).map(move |n| (b, n))).collect();
        if !messages.is_empty() {
            let mut insert = QueryBuilder::new("INSERT INTO messages (id, chat_id, bot_id, body) ");
            insert.push_values(messages, |mut row, (b, n)| {
                row.push_bind(b * 10 + n)
                    .push_bind((b + n) % 5 + 1)
                    .push_bind(b)
                    .push_bind(format!("message {n} of bot {b}"));
            });
            insert.build().execute(pool).await?;
        }
    }
    Ok(())
}
