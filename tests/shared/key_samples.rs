// The key-type fixture rows, the same on every backend (PostgreSQL adds an enum column through
// `extra_columns`/`push_extra`). Included by each backend lib after `KeySample`.

/// Labels of the key-type fixture: non-ASCII, empty, quote and case variants.
pub const SAMPLE_LABELS: [&str; 6] = ["plain", "Zoë", "東京", "", "it's \"quoted\"", "zoë"];

/// The common columns of fixture row `id`: small = `id % 7 - 3`, medium = `(id % 11) * 1000`,
/// label = `SAMPLE_LABELS[id % 6]`, uid = `Uuid::from_u128((id % 9) * 0x1234_5678_9abc_def0)`,
/// day = 2026-01-01 plus `id % 5` days.
pub fn sample_columns(id: i64) -> (i16, i32, String, uuid::Uuid, chrono::NaiveDate) {
    let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default() + chrono::Days::new((id % 5) as u64);
    (
        (id % 7 - 3) as i16,
        (id % 11 * 1000) as i32,
        SAMPLE_LABELS[(id % 6) as usize].to_owned(),
        uuid::Uuid::from_u128((id % 9) as u128 * 0x1234_5678_9abc_def0),
        day,
    )
}

/// Inserts fixture rows `1..=count` into `key_samples`.
///
/// # Errors
/// Any database error.
pub async fn insert_key_samples(pool: &sqlx::Pool<Db>, count: i64) -> Result<(), sqlx::Error> {
    let ids: Vec<i64> = (1..=count).collect();
    for chunk in ids.chunks(1_000) {
        let mut insert = sqlx::QueryBuilder::<Db>::new(format!(
            "INSERT INTO key_samples (id, small, medium, label, uid, day{}) ",
            extra_columns()
        ));
        insert.push_values(chunk, |mut row, &id| {
            let (small, medium, label, uid, day) = sample_columns(id);
            row.push_bind(id).push_bind(small).push_bind(medium).push_bind(label).push_bind(uid).push_bind(day);
            push_extra(&mut row, id);
        });
        insert.build().execute(pool).await?;
    }
    Ok(())
}
