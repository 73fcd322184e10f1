// `loader = "..."` replaces the struct name in the loader type names.
use batchload::Batched;

#[derive(Debug, Clone, Batched)]
#[batched(table = "bot_holdings", loader = "Position")]
pub struct BotHolding {
    #[batched(key)]
    pub id: i64,
    #[batched(group)]
    pub bot_id: i64,
    pub symbol: String,
    pub quantity: i64,
    pub cost_basis: Option<f64>,
}

pub async fn holding(pool: sqlx::SqlitePool, id: i64) -> Result<Option<BotHolding>, batchload::Error> {
    PositionById::new(pool).load(id).await
}

pub async fn holdings_of(pool: sqlx::SqlitePool, bot_id: i64) -> Result<Vec<BotHolding>, batchload::Error> {
    PositionByBotId::new(pool).load(bot_id).await
}

fn main() {
    let _ = (holding, holdings_of);
}
