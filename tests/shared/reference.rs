// Per-key reference reads for every backend test crate: one runtime-checked statement per key,
// what a loader's answer is compared with. The including crate defines `type Db`,
// `type Timestamp`, the `Bot` and `BotStance` rows and `fn sql` (placeholders per backend).

/// Reference reads, one statement per key (never through a loader).
pub mod reference {
    use sqlx::{AssertSqlSafe, Pool};

    use super::{Bot, BotStance, Db, Timestamp, sql};

    /// The bot `id` read with `SELECT ... FROM bots WHERE id = $1`.
    ///
    /// # Panics
    /// On a database error.
    pub async fn bot(pool: &Pool<Db>, id: i64) -> Option<Bot> {
        sqlx::query_as::<_, (i64, String, String, Timestamp)>(AssertSqlSafe(sql(
            "SELECT id, name, persona, created_at FROM bots WHERE id = $1",
        )))
        .bind(id)
        .fetch_optional(pool)
        .await
        .expect("reference query on bots")
        .map(|(id, name, persona, created_at)| Bot { id, name, persona, created_at })
    }

    /// The stances of bot `bot_id` in id order, read with `SELECT ... FROM bot_stances WHERE
    /// bot_id = $1 ORDER BY id`.
    ///
    /// # Panics
    /// On a database error.
    pub async fn stances(pool: &Pool<Db>, bot_id: i64) -> Vec<BotStance> {
        sqlx::query_as::<_, (i64, i64, String, String, f64, Option<String>)>(AssertSqlSafe(sql(
            "SELECT id, bot_id, topic, stance, strength, note FROM bot_stances WHERE bot_id = $1 ORDER BY id",
        )))
        .bind(bot_id)
        .fetch_all(pool)
        .await
        .expect("reference query on bot_stances")
        .into_iter()
        .map(|(id, bot_id, topic, stance, strength, note)| BotStance { id, bot_id, topic, stance, strength, note })
        .collect()
    }
}
