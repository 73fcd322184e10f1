// Deterministic test data for every backend test crate, inserted with runtime-checked,
// portable SQL (`QueryBuilder::push_values`, chunked under every backend's bind limit).
// The including crate defines `type Db`, `type Timestamp` and `fn seed_time() -> Timestamp`.

/// Deterministic test data, the same on every backend.
pub mod seed {
    use sqlx::{Pool, QueryBuilder};

    use super::{Db, seed_time};

    /// Rows per `INSERT` (at most 6 binds each: far below every backend's bind limit).
    const ROWS_PER_STATEMENT: usize = 1_000;

    /// Inserts bots `1..=count` (in descending id order): name `bot-{id}`, persona
    /// `persona {id}`, created at [`seed_time`].
    ///
    /// # Errors
    /// Any database error.
    pub async fn bots(pool: &Pool<Db>, count: i64) -> Result<(), sqlx::Error> {
        let ids: Vec<i64> = (1..=count).rev().collect();
        for chunk in ids.chunks(ROWS_PER_STATEMENT) {
            let mut insert = QueryBuilder::<Db>::new("INSERT INTO bots (id, name, persona, created_at) ");
            insert.push_values(chunk, |mut row, &id| {
                row.push_bind(id).push_bind(format!("bot-{id}")).push_bind(format!("persona {id}")).push_bind(seed_time());
            });
            insert.build().execute(pool).await?;
        }
        Ok(())
    }

    /// Inserts `bot_id % 4` stances for each bot `1..=bots` (so a quarter of the bots have
    /// none), in descending id order. Stance `n` (n = 0..3) of bot `b` has id `b * 10 + n`,
    /// topic `topic-{n}`, stance `stance-{b}-{n}`, strength `n / 4`, and note `note-{id}` for
    /// odd ids, NULL for even ids.
    ///
    /// # Errors
    /// Any database error.
    pub async fn stances(pool: &Pool<Db>, bots: i64) -> Result<(), sqlx::Error> {
        let rows: Vec<(i64, i64, i64)> =
            (1..=bots).rev().flat_map(|bot| (0..bot % 4).rev().map(move |n| (bot * 10 + n, bot, n))).collect();
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut insert =
                QueryBuilder::<Db>::new("INSERT INTO bot_stances (id, bot_id, topic, stance, strength, note) ");
            insert.push_values(chunk, |mut row, &(id, bot, n)| {
                row.push_bind(id)
                    .push_bind(bot)
                    .push_bind(format!("topic-{n}"))
                    .push_bind(format!("stance-{bot}-{n}"))
                    .push_bind(n as f64 / 4.0)
                    .push_bind((id % 2 == 1).then(|| format!("note-{id}")));
            });
            insert.build().execute(pool).await?;
        }
        Ok(())
    }

    /// Inserts employees `1..=count`: employee 1 reports to nobody, employee `i` reports to
    /// `i / 2` (a binary tree), name `employee-{i}`.
    ///
    /// # Errors
    /// Any database error.
    pub async fn employees(pool: &Pool<Db>, count: i64) -> Result<(), sqlx::Error> {
        let ids: Vec<i64> = (1..=count).collect();
        for chunk in ids.chunks(ROWS_PER_STATEMENT) {
            let mut insert = QueryBuilder::<Db>::new("INSERT INTO employees (id, name, reports_to) ");
            insert.push_values(chunk, |mut row, &id| {
                row.push_bind(id).push_bind(format!("employee-{id}")).push_bind((id > 1).then_some(id / 2));
            });
            insert.build().execute(pool).await?;
        }
        Ok(())
    }
}
