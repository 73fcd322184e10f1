// A loader on a nullable column: the field is `Option<T>`, the loader key is `T`.
use batchload::Batched;

#[derive(Debug, Clone, Batched)]
#[batched(table = "bot_stances")]
pub struct BotStance {
    #[batched(key)]
    pub id: i64,
    pub bot_id: i64,
    #[batched(group)]
    pub note: Option<String>,
}

pub async fn stances_noted(pool: sqlx::SqlitePool, note: String) -> Result<Vec<BotStance>, batchload::Error> {
    BotStanceByNote::new(pool).load(note).await
}

fn main() {
    let _ = stances_noted;
}
