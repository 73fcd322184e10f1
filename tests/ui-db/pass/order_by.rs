// Rows inside a group ordered by a field's `order_by`, by the struct's `order_by`, and (with
// no primary key field) by `order_by` alone.
use batchload::Batched;

#[derive(Debug, Clone, Batched)]
#[batched(table = "messages", order_by = "created_at")]
pub struct Message {
    #[batched(key)]
    pub id: i64,
    #[batched(group, order_by = "body")]
    pub chat_id: i64,
    #[batched(group)]
    pub bot_id: i64,
    pub body: String,
    pub created_at: String,
}

#[derive(Debug, Clone, Batched)]
#[batched(table = "bot_stances")]
pub struct Stance {
    #[batched(group, order_by = "strength")]
    pub bot_id: i64,
    pub topic: String,
    pub strength: f64,
}

pub async fn chat(pool: sqlx::SqlitePool, chat_id: i64) -> Result<Vec<Message>, batchload::Error> {
    MessageByChatId::new(pool).load(chat_id).await
}

pub async fn by_bot(pool: sqlx::SqlitePool, bot_id: i64) -> Result<Vec<Message>, batchload::Error> {
    MessageByBotId::new(pool).load(bot_id).await
}

pub async fn stances(pool: sqlx::SqlitePool, bot_id: i64) -> Result<Vec<Stance>, batchload::Error> {
    StanceByBotId::new(pool).load(bot_id).await
}

fn main() {
    let _ = (chat, by_bot, stances);
}
