// The loader types are stubbed when the attributes are invalid: user code that names them
// still type-checks, so the only error is the attribute's own.
use batchload::Batched;

#[derive(Debug, Clone, Batched)]
#[batched(table = "bot_stances")]
pub struct BotStance {
    #[batched(key)]
    pub id: i64,
    #[batched(group, colum = "bot_id")]
    pub bot_id: i64,
    pub topic: String,
    pub note: Option<String>,
}

pub async fn stances_of_bot_1(pool: sqlx::SqlitePool) -> Result<Vec<BotStance>, batchload::Error> {
    BotStanceByBotId::new(pool).load(1).await
}

pub async fn stance_1(pool: sqlx::SqlitePool) -> Result<Option<BotStance>, batchload::Error> {
    BotStanceById::new(pool).load(1).await
}

fn main() {
    let _ = (stances_of_bot_1, stance_1);
}
