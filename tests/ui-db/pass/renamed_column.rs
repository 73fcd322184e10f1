// A field read from a column of another name, as the loader key and as a plain column.
use batchload::Batched;

#[derive(Debug, Clone, Batched)]
#[batched(table = "bot_holdings")]
pub struct Holding {
    #[batched(key)]
    pub id: i64,
    #[batched(group, column = "bot_id")]
    pub owner: i64,
    #[batched(column = "symbol")]
    pub ticker: String,
}

pub async fn holdings_of(pool: sqlx::SqlitePool, owner: i64) -> Result<Vec<Holding>, batchload::Error> {
    HoldingByOwner::new(pool).load(owner).await
}

fn main() {
    let _ = holdings_of;
}
